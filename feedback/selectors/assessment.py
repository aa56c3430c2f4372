"""Reads for officer assessment: suggestion lists and "you said, we did", surveys and their suppressed results.

Survey results are suppressed here, before any template sees them: a figure below the program's threshold
reaches the page with no number attached.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from deflection import access as program_access
from deflection.models import Agency, Program, Role, User
from feedback import access
from feedback.models import (
    AnonymousSubmission,
    QuestionKind,
    Suggestion,
    SuggestionStatus,
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyQuestion,
)

# --- Suggestions ----------------------------------------------------------------


def you_said_we_did(program: Program, start: date | datetime, end: date | datetime) -> QuerySet[Suggestion]:
    """Adopted suggestions whose public response was given in [start, end), newest answer first.

    For the newsletter: dates are whole days in the program's time zone, so
    (1 May, 1 June) is the month of May. Authors are not selected: the
    newsletter quotes what was said and done, never who said it.
    """
    return (
        Suggestion.objects.filter(
            program=program,
            status=SuggestionStatus.ADOPTED,
            responded_at__gte=program.start_of(start),
            responded_at__lt=program.start_of(end),
        )
        .exclude(response="")
        .only("id", "program_id", "text", "status", "response", "responded_at", "submitted_on")
        .order_by("-responded_at")
    )


def answered_suggestions(user: User) -> QuerySet[Suggestion]:
    """ "You said, we did": every answered suggestion in the user's programs, newest answer first."""
    return (
        Suggestion.objects.filter(program__in=program_access.programs_for(user))
        .exclude(response="")
        .select_related("program")
        .order_by("-responded_at", "id")
    )


def my_suggestions(user: User) -> QuerySet[Suggestion]:
    """The user's own named suggestions (anonymous ones have no author, so they cannot appear here)."""
    return Suggestion.objects.filter(author=user).select_related("program").order_by("-submitted_on", "id")


def triage_queue(user: User, status: str | None = None) -> QuerySet[Suggestion]:
    """Suggestions of the programs the user coordinates, oldest unanswered first."""
    queryset = Suggestion.objects.filter(program__in=program_access.programs_coordinated_by(user))
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("program", "author").order_by("submitted_on", "id")


def triage_counts(user: User) -> dict[str, int]:
    queryset = Suggestion.objects.filter(program__in=program_access.programs_coordinated_by(user))
    counts = Counter(queryset.values_list("status", flat=True))
    return {status: counts.get(status, 0) for status in SuggestionStatus.values}


# --- Surveys --------------------------------------------------------------------


def surveys_for_respondent(user: User) -> QuerySet[Survey]:
    """Surveys addressed to the user that are open now, each with `answered` (whether they have responded)."""
    now = timezone.now()
    return (
        access.surveys_addressed_to(user)
        .filter(opens_at__lte=now, closes_at__gt=now)
        .annotate(
            answered=Exists(SurveyParticipation.objects.filter(survey=OuterRef("pk"), user=user)),
            question_count=Count("questions", distinct=True),
        )
        .select_related("program")
        .order_by("closes_at", "id")
    )


def surveys_for_results(user: User) -> QuerySet[Survey]:
    """Surveys whose results the user may read, newest first, with the number of people who answered."""
    return (
        Survey.objects.filter(program__in=access.results_programs_for(user))
        .annotate(participants=Count("participations", distinct=True))
        .select_related("program")
        .order_by("-opens_at", "-id")
    )


@dataclass
class GroupResult:
    label: str
    respondents: int | None  # None: suppressed
    mean: float | None = None

    @property
    def suppressed(self) -> bool:
        return self.respondents is None


@dataclass
class QuestionResult:
    question: SurveyQuestion
    suppressed: bool
    respondents: int | None = None
    counts: list[tuple[int, int]] = field(default_factory=list)  # (scale value, how many), 1 to 5
    mean: float | None = None
    texts: list[tuple[str, int]] = field(default_factory=list)  # (answer, how many gave it)
    by_role: list[GroupResult] = field(default_factory=list)
    by_agency: list[GroupResult] = field(default_factory=list)

    @property
    def breakdowns(self) -> list[tuple[str, list[GroupResult], bool]]:
        """(title, groups, all hidden) for the role and agency breakdowns that have any groups."""
        return [
            (title, groups, all(g.suppressed for g in groups))
            for title, groups in (("role", self.by_role), ("agency", self.by_agency))
            if groups
        ]

    @property
    def max_count(self) -> int:
        return max((n for _, n in self.counts), default=0)


@dataclass
class SurveyResults:
    survey: Survey
    threshold: int
    published: bool  # results are shown only once the survey has closed
    respondents: int | None  # None: fewer than the threshold
    questions: list[QuestionResult]
    counting: bool = False  # closed, but anonymous answers still wait for their shuffled batch


def suppressed_groups(sizes: dict, threshold: int) -> set:
    """The groups to hide: every group below the threshold, plus enough others that none can be worked out.

    Hiding a single group would leave it computable as the total minus the
    groups shown (complementary suppression), so more groups are hidden,
    smallest first, until at least two are hidden and together they hold at
    least `threshold` people, or everything is hidden.
    """
    hidden = {key for key, n in sizes.items() if n < threshold}
    if not hidden:
        return hidden
    shown = sorted((n, str(key), key) for key, n in sizes.items() if key not in hidden)
    while shown and (len(hidden) < 2 or sum(sizes[k] for k in hidden) < threshold):
        hidden.add(shown.pop(0)[2])
    return hidden


def _breakdown(values_by_group: dict, labels: dict, threshold: int) -> list[GroupResult]:
    sizes = {key: len(values) for key, values in values_by_group.items()}
    hidden = suppressed_groups(sizes, threshold)
    results = []
    for key in sorted(values_by_group, key=lambda k: labels[k]):
        values = values_by_group[key]
        if key in hidden:
            results.append(GroupResult(label=labels[key], respondents=None))
        else:
            results.append(GroupResult(label=labels[key], respondents=len(values), mean=round(sum(values) / len(values), 1)))
    return results


def _grouped_texts(texts) -> list[tuple[str, int]]:
    """Identical answers once each with how many gave them, most common first: a short list to read."""
    counted = Counter(text.strip() for text in texts)
    return sorted(counted.items(), key=lambda item: (-item[1], item[0].lower()))


def survey_results(survey: Survey) -> SurveyResults:
    """Counts per scale value, open answers, and breakdowns by role and agency, with small groups suppressed.

    Three queries whatever the size of the survey. Answers are published only
    once the survey has closed: live results would let a reader watch the
    numbers move just after a colleague said "I have answered".
    """
    threshold = survey.program.suppression_threshold
    questions = list(survey.questions.order_by("position"))
    # Counted from the "who answered" rows: anonymous answers exist as responses only once published.
    respondents = SurveyParticipation.objects.filter(survey=survey).count()
    counting = survey.is_closed() and AnonymousSubmission.objects.filter(survey=survey).exists()
    if not survey.is_closed() or counting:
        return SurveyResults(survey, threshold, False, respondents if respondents >= threshold else None, [], counting)

    rows = (
        SurveyAnswer.objects.filter(response__survey=survey)
        .values_list(
            # Ordered by the random key, so open answers come out shuffled, not in the order they were given.
            "question_id",
            "scale_value",
            "text",
            "response__respondent_role",
            "response__respondent_agency_id",
        )
        .order_by("id")
    )
    by_question: dict[int, list[tuple]] = defaultdict(list)
    for question_id, value, text, role, agency_id in rows:
        by_question[question_id].append((value, text, role, agency_id))
    agency_ids = {agency_id for answers in by_question.values() for *_, agency_id in answers}
    agency_labels = dict(Agency.objects.filter(pk__in=agency_ids).values_list("id", "name")) if agency_ids else {}
    role_labels = dict(Role.choices)

    results = []
    for question in questions:
        answers = by_question.get(question.pk, [])
        if len(answers) < threshold:
            results.append(QuestionResult(question=question, suppressed=True))
            continue
        result = QuestionResult(question=question, suppressed=False, respondents=len(answers))
        if question.kind == QuestionKind.SCALE:
            values = [value for value, *_ in answers]
            counted = Counter(values)
            result.counts = [(n, counted.get(n, 0)) for n in range(1, 6)]
            result.mean = round(sum(values) / len(values), 1)
            per_role: dict[str, list[int]] = defaultdict(list)
            per_agency: dict[int, list[int]] = defaultdict(list)
            for value, _text, role, agency_id in answers:
                per_role[role].append(value)
                per_agency[agency_id].append(value)
            result.by_role = _breakdown(per_role, role_labels, threshold)
            result.by_agency = _breakdown(per_agency, agency_labels, threshold)
        else:
            result.texts = _grouped_texts(text for _value, text, *_ in answers)
        results.append(result)
    return SurveyResults(survey, threshold, True, respondents if respondents >= threshold else None, results)
