"""Officer assessment: suggestions and their triage ("you said, we did"), surveys, their reminders and answers.

The checklist's "include line officers in planning" and "regular assessment with officers". Anonymity rules
(no author, no precise time, no audit record at the moment of writing) live here, so no view can get them wrong.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from deflection.access import coordinates
from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Agency, Program, Role, User
from deflection.outbox import enqueue
from deflection.params import parse_whole_number
from feedback import access
from feedback.models import (
    AnonymousKind,
    AnonymousSubmission,
    AnonymousSuggestionTally,
    QuestionKind,
    ReminderStatus,
    Suggestion,
    SuggestionStatus,
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyQuestion,
    SurveyReminder,
    SurveyResponse,
)

SUGGESTION_MAX_CHARS = 2000
SURVEY_MAX_QUESTIONS = 12
OPEN_ANSWER_MAX_CHARS = 1000

# The checklist's own questions for "regular program assessment" (BJA, "Obtaining Officer Support").
CHECKLIST_OPEN_QUESTIONS = [
    "What would encourage colleagues to participate?",
    "How would you improve the process?",
]


# Codes of the refusals that callers tell apart (ServiceError.code).
SURVEY_NOT_OPEN = "survey_not_open"
ALREADY_RESPONDED = "already_responded"
# --- Suggestions --------------------------------------------------------------


def suggestion_submit(
    *, program: Program, author: User, text: str, anonymous: bool, audit: AuditContext | None = None
) -> Suggestion | None:
    """Store a named suggestion, or queue an anonymous one for the day's shuffled batch (returns None).

    The author is still needed to check that they may write to this program;
    it is then dropped. `audit` is used only for a named suggestion's audit
    record (its address); an anonymous one never sees it.
    """
    if not access.suggestion_programs_for(author).filter(pk=program.pk).exists():
        raise PermissionDenied("Only officers, dispatchers, supervisors and command staff of the program write suggestions.")
    text = (text or "").strip()
    if not text:
        raise ServiceError("Write your suggestion first.")
    if len(text) > SUGGESTION_MAX_CHARS:
        raise ServiceError(f"Keep it under {SUGGESTION_MAX_CHARS} characters.")
    if anonymous:
        # Not a Suggestion row yet: one written now would carry this request's transaction id and sit on
        # disk next to the writer's session update. It waits, encrypted, for the day's shuffled batch
        # (anonymous_submissions_publish), and no audit record is written now: one would carry the exact
        # time and the next audit id. audit_anonymous_suggestions() records a per-day count later.
        with transaction.atomic():
            AnonymousSubmission.objects.create(
                program=program, kind=AnonymousKind.SUGGESTION, day=program.today(), payload=json.dumps({"text": text})
            )
        return None
    suggestion = Suggestion.objects.create(program=program, author=author, text=text, submitted_on=program.today())
    audit_log(action="feedback.suggestion.submit", context=audit, actor=author, obj=suggestion)
    return suggestion


def suggestion_triage(
    *, suggestion: Suggestion, coordinator: User, status: str, response: str, audit: AuditContext | None = None
) -> Suggestion:
    """Set a suggestion's status and its public response (shown to everyone in the program)."""
    if not coordinates(coordinator, suggestion.program_id):
        raise PermissionDenied("Only the program's coordinators triage suggestions.")
    if status not in SuggestionStatus.values:
        raise ServiceError("Choose a status.")
    response = (response or "").strip()
    if status in SuggestionStatus.decisions() and not response:
        raise ServiceError("Adopted and declined suggestions need a public response: say what the program did, or why not.")
    previous_status = suggestion.status
    fields = ["status"]
    suggestion.status = status
    if response != suggestion.response:
        suggestion.response = response
        suggestion.responded_by = coordinator
        suggestion.responded_at = timezone.now()
        fields += ["response", "responded_by", "responded_at"]
    suggestion.save(update_fields=fields)
    audit_log(
        action="feedback.suggestion.triage",
        context=audit,
        actor=coordinator,
        obj=suggestion,
        detail={"from": previous_status, "to": status, "fields": fields},
    )
    return suggestion


def audit_anonymous_suggestions() -> int:
    """Write one audit record per program per finished day with the count of anonymous suggestions.

    Safe to run twice: the tally row is unique per program and day and is
    written in the same transaction as its audit record.
    """
    already = AnonymousSuggestionTally.objects.filter(program_id=OuterRef("program_id"), day=OuterRef("submitted_on"))
    days = (
        Suggestion.objects.filter(author=None)
        .exclude(Exists(already))
        .values("program_id", "submitted_on")
        .annotate(count=Count("id"))
        .order_by("program_id", "submitted_on")
    )
    programs = {p.pk: p for p in Program.objects.filter(pk__in={row["program_id"] for row in days})}
    written = 0
    for row in days:
        program = programs[row["program_id"]]
        if row["submitted_on"] >= program.today():
            continue  # the day is not over: more may come, and today's count would narrow the time again
        try:
            with transaction.atomic():
                AnonymousSuggestionTally.objects.create(program=program, day=row["submitted_on"], count=row["count"])
                audit_log(
                    action="feedback.suggestion.anonymous_daily",
                    obj=program,
                    detail={"day": row["submitted_on"].isoformat(), "count": row["count"]},
                )
        except IntegrityError:
            continue  # another worker wrote this day first
        written += 1
    return written


# --- Surveys ------------------------------------------------------------------


def survey_create(
    *,
    program: Program,
    created_by: User,
    title: str,
    intro: str = "",
    anonymous: bool,
    opens_at: datetime,
    closes_at: datetime,
    roles: Iterable[str],
    agencies: Iterable[Agency],
    scale_questions: Iterable[str],
    open_questions: Iterable[str],
    audit: AuditContext | None = None,
) -> Survey:
    """Define a survey with its audience and window; if it is already open, queue its reminder."""
    if not coordinates(created_by, program):
        raise PermissionDenied("Only the program's coordinators create surveys.")
    roles = sorted(set(roles))
    agencies = list(agencies)
    scale_questions = [q.strip() for q in scale_questions if q.strip()]
    open_questions = [q.strip() for q in open_questions if q.strip()]
    if closes_at <= opens_at:
        raise ServiceError("The survey must close after it opens.")
    if closes_at <= timezone.now():
        raise ServiceError("The closing time is already past.")
    if not roles or not set(roles) <= set(Role.values):
        raise ServiceError("Choose at least one role to ask.")
    program_agency_ids = program.agency_ids()
    if not agencies or any(a.pk not in program_agency_ids for a in agencies):
        raise ServiceError("Choose at least one of the program's agencies.")
    questions = [(QuestionKind.SCALE, q) for q in scale_questions] + [(QuestionKind.OPEN, q) for q in open_questions]
    if not questions:
        raise ServiceError("Add at least one question.")
    if len(questions) > SURVEY_MAX_QUESTIONS:
        raise ServiceError(f"Keep it short: at most {SURVEY_MAX_QUESTIONS} questions.")
    if any(len(text) > 300 for _, text in questions):
        raise ServiceError("Keep each question under 300 characters.")
    with transaction.atomic():
        survey = Survey.objects.create(
            program=program,
            title=title.strip(),
            intro=intro.strip(),
            anonymous=anonymous,
            audience_roles=roles,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=created_by,
        )
        survey.audience_agencies.set(agencies)
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(survey=survey, position=i, kind=kind, text=text) for i, (kind, text) in enumerate(questions, 1)
        )
        audit_log(action="feedback.survey.create", context=audit, actor=created_by, obj=survey)
        if survey.is_open():
            survey_reminders_enqueue(survey=survey)
    return survey


def survey_audience(survey: Survey):
    """Active users with an active membership whose role and agency are both in the survey's audience."""
    # One filter() call, so the role and the agency are matched on the same membership row.
    return User.objects.filter(
        is_active=True,
        memberships__is_active=True,
        memberships__role__in=survey.audience_roles,
        memberships__agency__in=survey.audience_agencies.all(),
    ).distinct()


def survey_reminders_enqueue(*, survey: Survey) -> bool:
    """Queue the survey's one reminder run through the outbox. Only the first call queues anything."""
    with transaction.atomic():
        # Claim with a conditional UPDATE, so the beat job and the create view never both queue it.
        claimed = Survey.objects.filter(pk=survey.pk, reminders_enqueued_at=None).update(reminders_enqueued_at=timezone.now())
        if claimed:
            enqueue("feedback.tasks.send_survey_reminders", survey_id=survey.pk)
    return bool(claimed)


def survey_reminders_enqueue_due() -> int:
    """Queue reminders for surveys whose window has begun since they were created (the beat job)."""
    now = timezone.now()
    due = Survey.objects.filter(reminders_enqueued_at=None, opens_at__lte=now, closes_at__gt=now)
    return sum(survey_reminders_enqueue(survey=survey) for survey in due)


def _reminder_body(survey: Survey) -> str:
    link = settings.SITE_URL + reverse("feedback:survey_answer", args=[survey.pk])
    privacy = (
        "Answers are anonymous: the program learns only that you answered, never what you said."
        if survey.anonymous
        else "Answers are stored with your account so the coordinator can follow up."
    )
    # A link and a date only: no names of people, not even a greeting (SECURITY.md 12).
    return (
        "Your deflection program has opened a short survey and would like to hear from you.\n\n"
        f"It takes a few minutes and closes on {survey.program.localtime(survey.closes_at):%B %-d, %Y}.\n\n"
        f"Answer it here (sign-in required):\n{link}\n\n"
        f"{privacy}\n\n"
        "You get this reminder once per survey.\n"
    )


def survey_reminders_send(*, survey_id: int) -> int:
    """Email each person in the audience once. Returns how many emails this run sent.

    Safe to run twice or at once on two workers: a reminder row per person is
    unique, and each is claimed (pending -> sent) in the transaction that sends its email.
    """
    survey = Survey.objects.select_related("program").get(pk=survey_id)
    if survey.is_closed():
        return 0
    answered = SurveyParticipation.objects.filter(survey=survey).values("user_id")
    recipients = survey_audience(survey).exclude(pk__in=answered).values_list("pk", flat=True)
    SurveyReminder.objects.bulk_create(
        [SurveyReminder(survey=survey, user_id=user_id) for user_id in recipients], ignore_conflicts=True
    )
    subject = "A short survey is open for you"
    body = _reminder_body(survey)
    sent = 0
    for reminder in SurveyReminder.objects.filter(survey=survey, status=ReminderStatus.PENDING).select_related("user"):
        # Claim and send in one transaction that commits once the mail server accepted the message: a second
        # worker waits on the row lock and skips it, a worker killed mid-send leaves it pending for the
        # redelivered task, and a refused send rolls back for the task's retry (issue 15).
        with transaction.atomic():
            if not SurveyReminder.objects.filter(pk=reminder.pk, status=ReminderStatus.PENDING).update(
                status=ReminderStatus.SENT, sent_at=timezone.now()
            ):
                continue
            send_mail(subject, body, None, [reminder.user.email])
        sent += 1
    return sent


def _clean_answers(survey: Survey, answers: Mapping[int, object]) -> list[tuple[SurveyQuestion, int | None, str]]:
    cleaned = []
    for question in survey.questions.all():
        value = answers.get(question.pk)
        if value in (None, ""):
            continue
        if question.kind == QuestionKind.SCALE:
            number = parse_whole_number(value if isinstance(value, str) else str(value)) or 0
            if not 1 <= number <= 5:
                raise ServiceError(f"“{question.text}”: choose a number from 1 to 5.")
            cleaned.append((question, number, ""))
        else:
            text = str(value).strip()
            if len(text) > OPEN_ANSWER_MAX_CHARS:
                raise ServiceError(f"“{question.text}”: keep the answer under {OPEN_ANSWER_MAX_CHARS} characters.")
            if text:
                cleaned.append((question, None, text))
    if not cleaned:
        raise ServiceError("Answer at least one question.")
    return cleaned


def _violated_constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


ALREADY_RESPONDED_MESSAGE = "You have already answered this survey. Each person answers once."


def survey_respond(
    *, survey: Survey, user: User, answers: Mapping[int, object], audit: AuditContext | None = None
) -> SurveyParticipation:
    """Record one person's answers, once.

    Named survey: the response names its respondent and is written with the participation row.
    Anonymous survey: the answers wait, encrypted and timeless, in an AnonymousSubmission written
    in a transaction of their own, and are published with every other answer to the survey in
    one shuffled batch once it has closed (anonymous_submissions_publish). The participation row
    ("this person answered") and its audit record are written in a second transaction and share
    no key, no time and no transaction id with the answers.
    """
    now = timezone.now()
    if survey.is_scheduled(now):
        raise ServiceError("This survey is not open yet.", status=409, code=SURVEY_NOT_OPEN)
    if survey.is_closed(now):
        raise ServiceError("This survey has closed; thank you all the same.", status=409, code=SURVEY_NOT_OPEN)
    membership = access.audience_membership(user, survey)
    if membership is None:
        raise PermissionDenied("This survey is not addressed to you.")
    if SurveyParticipation.objects.filter(survey=survey, user=user).exists():
        raise ServiceError(ALREADY_RESPONDED_MESSAGE, status=409, code=ALREADY_RESPONDED)
    cleaned = _clean_answers(survey, answers)
    if not survey.anonymous:
        return _survey_respond_named(survey=survey, user=user, membership=membership, cleaned=cleaned, audit=audit)

    # The answers first: should the process die between the two transactions, an answer is counted
    # without its guard (the person could answer twice), rather than a person marked as having
    # answered whose answer is lost.
    payload = {
        "role": membership.role,
        "agency": membership.agency_id,
        "answers": [[question.pk, number, text] for question, number, text in cleaned],
    }
    with transaction.atomic():
        pending = AnonymousSubmission.objects.create(
            program_id=survey.program_id, kind=AnonymousKind.SURVEY_RESPONSE, survey=survey, payload=json.dumps(payload)
        )
    try:
        with transaction.atomic():
            participation = SurveyParticipation.objects.create(survey=survey, user=user)
            # Who answered is recorded; which answers are theirs is not.
            audit_log(action="feedback.survey.respond", context=audit, actor=user, obj=survey, detail={})
    except IntegrityError as exc:
        # A double tap or a second tab got here first: this attempt's answers go.
        AnonymousSubmission.objects.filter(pk=pending.pk).delete()
        if _violated_constraint(exc) == "survey_participation_one_per_person":
            raise ServiceError(ALREADY_RESPONDED_MESSAGE, status=409, code=ALREADY_RESPONDED) from exc
        raise
    return participation


def _survey_respond_named(*, survey, user, membership, cleaned, audit) -> SurveyParticipation:
    try:
        with transaction.atomic():
            participation = SurveyParticipation.objects.create(survey=survey, user=user)
            response = SurveyResponse.objects.create(
                survey=survey, respondent=user, respondent_role=membership.role, respondent_agency_id=membership.agency_id
            )
            SurveyAnswer.objects.bulk_create(
                SurveyAnswer(response=response, question=question, scale_value=number, text=text)
                for question, number, text in cleaned
            )
            audit_log(
                action="feedback.survey.respond", context=audit, actor=user, obj=survey, detail={"response": str(response.pk)}
            )
    except IntegrityError as exc:
        # A double tap or a second tab got here first.
        if _violated_constraint(exc) in {"survey_participation_one_per_person", "survey_response_one_per_named_respondent"}:
            raise ServiceError(ALREADY_RESPONDED_MESSAGE, status=409, code=ALREADY_RESPONDED) from exc
        raise
    return participation


def survey_results_read(*, survey: Survey, reader: User, audit: AuditContext | None = None) -> None:
    """Record who read a survey's results, and whether answers were shown (the access log for answers)."""
    audit_log(
        action="feedback.survey.results_view",
        context=audit,
        actor=reader,
        obj=survey,
        detail={"answers_shown": survey.is_closed()},
    )


def suggestions_triage_read(*, reader: User, status: str, shown: int, audit: AuditContext | None = None) -> None:
    """Record who read the suggestion queue (anonymous suggestions included), which tab, and how many rows."""
    audit_log(action="feedback.suggestion.triage_view", context=audit, actor=reader, detail={"status": status, "shown": shown})


# --- Publishing anonymous submissions -------------------------------------------

# The operating system's generator: a seeded one could be replayed to recover the order of writing.
_shuffle = random.SystemRandom().shuffle


def _anonymous_submission_due(submission: AnonymousSubmission, now: datetime) -> bool:
    if submission.kind == AnonymousKind.SUGGESTION:
        # Once the day is over, so a day's suggestions are published together, whatever their order.
        return submission.day < submission.program.today()
    # Results are shown only once the survey has closed; until then there is nothing to publish to.
    return submission.survey.is_closed(now)


def anonymous_submissions_publish() -> int:
    """Publish every due anonymous submission in one transaction, in random order. Returns how many.

    Suggestions are due once their program-local day is over, survey answers once their survey has
    closed. All rows of a run are written by one transaction (one `xmin` for all of them), in an
    order drawn from the operating system's generator, with random keys and no time finer than the
    day, and no audit record names them. Safe to run twice or on two workers at once: a run locks
    the rows it publishes (skipping rows another run holds) and deletes them in the same transaction.
    """
    now = timezone.now()
    with transaction.atomic():
        waiting = list(
            AnonymousSubmission.objects.select_for_update(skip_locked=True, of=("self",)).select_related("program", "survey")
        )
        due = [submission for submission in waiting if _anonymous_submission_due(submission, now)]
        if not due:
            return 0
        _shuffle(due)
        suggestions, responses, answers = [], [], []
        for submission in due:
            payload = json.loads(submission.payload)
            if submission.kind == AnonymousKind.SUGGESTION:
                suggestions.append(
                    Suggestion(program_id=submission.program_id, author=None, text=payload["text"], submitted_on=submission.day)
                )
                continue
            response = SurveyResponse(
                survey_id=submission.survey_id,
                respondent=None,
                respondent_role=payload["role"],
                respondent_agency_id=payload["agency"],
            )
            responses.append(response)
            answers += [
                SurveyAnswer(response=response, question_id=question_id, scale_value=number, text=text)
                for question_id, number, text in payload["answers"]
            ]
        _shuffle(answers)
        Suggestion.objects.bulk_create(suggestions)
        SurveyResponse.objects.bulk_create(responses)
        SurveyAnswer.objects.bulk_create(answers)
        AnonymousSubmission.objects.filter(pk__in=[submission.pk for submission in due]).delete()
    return len(due)
