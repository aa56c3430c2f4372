"""Reads for outcomes to officers: the consent-gated feed, messages, letters for review and for the newsletter,
and the officer's suppressed aggregate outcomes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.db.models import Max, QuerySet
from django.utils import timezone

from deflection.models import Program, User
from deflection.suppression import (
    DEFAULT_THRESHOLD,
    Published,
    Rate,
    Reason,
    rate,
    suppress_cumulative,
    suppress_funnel,
    suppression_note,
    unseen_part_publishable,
)
from feedback import access
from feedback.models import (
    CaseManagerMessage,
    LetterPermission,
    LetterStatus,
    ParticipantLetter,
)
from referrals import disclosure
from referrals.disclosure import ENGAGED_STATUSES, RECEIVED_ONLY, OfficerView, status_text
from referrals.models import DisclosureLevel, Referral, Status, StatusChange

# --- The outcome feed -------------------------------------------------------------------------------

FEED_REFERRALS = 200  # the officer's most recent referrals the feed looks at
FEED_ITEMS = 60  # updates shown on the page; each consented one shown writes a disclosure record
# What the consent gate reads of a referral (its provider and original record), and what the feed shows.
REFERRAL_FEED_FIELDS = (
    "id",
    "officer_id",
    "participant_id",
    "origin_participant_id",
    "agency_id",
    "provider_id",
    "program_id",
    "created_at",
    "status",
)


class FeedKind(StrEnum):
    RECEIVED = "received"  # the program received the referral: known to the officer, not a disclosure
    STATUS = "status"  # one step of the referral's history, in the words its consent allows
    MESSAGE = "message"  # a case manager's message
    LETTER = "letter"  # an approved participant letter


@dataclass(frozen=True)
class FeedItem:
    kind: FeedKind
    at: datetime
    referral: Referral
    text: str
    consent_id: int | None = None
    level: str | None = None
    message: CaseManagerMessage | None = None
    letter: ParticipantLetter | None = None

    @property
    def is_disclosure(self) -> bool:
        return self.consent_id is not None

    @property
    def shown(self) -> str:
        """What the disclosure record says was shown: the words, or which message or letter (never its text)."""
        if self.message is not None:
            return f"case manager message {self.message.pk}"
        if self.letter is not None:
            return f"participant letter {self.letter.pk}"
        return self.text

    def officer_view(self) -> OfficerView:
        """The item in the shape `referrals.disclosure.disclosure_records` logs."""
        return OfficerView(self.shown, consent_id=self.consent_id, level=self.level)


def _status_items(referrals: dict[int, Referral], governing: dict) -> list[FeedItem]:
    """One item per consented step of each referral's history, in the words its consent allows.

    An "engaged yes/no" consent yields a single item, "Engaged in treatment: yes", at the
    first step that reached treatment; the steps after it (retained at 30 or 90 days,
    closed) say more than yes or no and are left out.
    """
    changes = (
        StatusChange.objects.filter(referral_id__in=governing)
        .exclude(status=Status.RECEIVED)
        .order_by("at", "id")
        .values_list("referral_id", "status", "at", "service_kind")
    )
    items, engaged_shown = [], set()
    for referral_id, status, at, service_kind in changes:
        consent = governing[referral_id]
        engaged = status in ENGAGED_STATUSES
        if consent.level == DisclosureLevel.ENGAGED_ONLY:
            if not engaged or referral_id in engaged_shown:
                continue
            engaged_shown.add(referral_id)
        text = status_text(consent.level, status, engaged=engaged, service_kind=service_kind)
        items.append(FeedItem(FeedKind.STATUS, at, referrals[referral_id], text, consent.pk, consent.level))
    return items


def officer_feed(
    officer: User,
    *,
    on: date,
    since: datetime | None = None,
    until: datetime | None = None,
    include_received: bool = True,
    limit: int | None = FEED_ITEMS,
) -> list[FeedItem]:
    """The officer's updates, newest first: each only as far as an active consent allows on `on`.

    Consent is read now, not when the update happened, so a revoked or expired
    consent hides everything it used to cover. Without consent the officer gets
    only the "received" item. At most five queries whatever the number of referrals.
    """
    referrals = {
        r.pk: r
        for r in Referral.objects.filter(officer=officer)
        .only(*REFERRAL_FEED_FIELDS)
        .order_by("-created_at", "-id")[:FEED_REFERRALS]
    }
    governing = disclosure.governing_consents(referrals.values(), officer, on)
    items = []
    if include_received:
        items += [FeedItem(FeedKind.RECEIVED, r.created_at, r, RECEIVED_ONLY) for r in referrals.values()]
    if governing:
        items += _status_items(referrals, governing)
    free_text = {pk: consent for pk, consent in governing.items() if disclosure.covers_free_text(consent)}
    if free_text:
        messages = CaseManagerMessage.objects.filter(officer=officer, referral_id__in=free_text).only(
            "id", "referral_id", "officer_id", "text", "created_at"
        )
        for message in messages:
            consent = free_text[message.referral_id]
            items.append(
                FeedItem(
                    FeedKind.MESSAGE,
                    message.created_at,
                    referrals[message.referral_id],
                    message.text,
                    consent.pk,
                    consent.level,
                    message=message,
                )
            )
        letters = ParticipantLetter.objects.filter(
            referral_id__in=free_text, status__in=LetterStatus.published(), permission__in=LetterPermission.to_officer()
        ).defer("original_text")
        for letter in letters:
            consent = free_text[letter.referral_id]
            items.append(
                FeedItem(
                    FeedKind.LETTER,
                    letter.reviewed_at,
                    referrals[letter.referral_id],
                    letter.published_text,
                    consent.pk,
                    consent.level,
                    letter=letter,
                )
            )
    if since is not None:
        items = [item for item in items if item.at >= since]
    if until is not None:
        items = [item for item in items if item.at < until]
    items.sort(key=lambda item: (item.at, item.kind != FeedKind.RECEIVED), reverse=True)
    return items[:limit] if limit else items


def free_text_refusal_for(referral: Referral) -> str | None:
    """Why a case manager may not send free text to this referral's officer today (None: they may)."""
    consents = disclosure.consents_by_participant([referral.participant_id]).get(referral.participant_id, [])
    return disclosure.free_text_refusal(referral, consents, timezone.localdate())


def messages_about(referral: Referral) -> QuerySet[CaseManagerMessage]:
    """For the case manager's message page: what has already been sent about this referral, newest first."""
    return CaseManagerMessage.objects.filter(referral=referral).select_related("sender").order_by("-created_at", "-id")


def officers_with_activity(program: Program, start: datetime, end: datetime) -> set[int]:
    """Officers whose referrals had a step, a message or an approved letter in [start, end): digest candidates.

    Whether any of it may reach them (consent) is decided when the digest is sent.
    """
    changed = (
        StatusChange.objects.filter(referral__program=program, at__gte=start, at__lt=end)
        .exclude(status=Status.RECEIVED)
        .values_list("referral__officer_id", flat=True)
    )
    messaged = CaseManagerMessage.objects.filter(
        referral__program=program, created_at__gte=start, created_at__lt=end
    ).values_list("officer_id", flat=True)
    lettered = ParticipantLetter.objects.filter(
        program=program,
        reviewed_at__gte=start,
        reviewed_at__lt=end,
        status__in=LetterStatus.published(),
        permission__in=LetterPermission.to_officer(),
    ).values_list("referral__officer_id", flat=True)
    return set(changed.distinct()) | set(messaged.distinct()) | set(lettered.distinct())


# --- The officer's aggregate outcomes ---------------------------------------------------------------

ENGAGED_WITHIN = timedelta(days=30)


@dataclass(frozen=True)
class YearOutcomes:
    """Of the officer's referrals made in `year` that have had 30 days, how many engaged within 30 days."""

    year: int
    as_of: date  # the edition: figures as of this day
    cohort_end: date  # referrals made before this day are counted (each had 30 days by `as_of`)
    final: bool  # every referral of the year is counted
    referred: int  # the officer's own referrals: not health information, shown as they are
    engaged: Published
    engaged_rate: Rate


@dataclass(frozen=True)
class OutcomeSummary:
    threshold: int
    referrals_this_year: int
    years: list[YearOutcomes]

    @property
    def note(self) -> str:
        return suppression_note(self.threshold)


def _editions(year: int, today: date) -> list[date]:
    """The year's editions published by `today`: quarterly, and a final one once December's referrals had 30 days.

    Quarterly rather than monthly: one officer's monthly changes are nearly always
    small counts, so monthly editions would hide almost everything.
    """
    editions = [date(year, 4, 1), date(year, 7, 1), date(year, 10, 1), date(year + 1, 2, 1)]
    return [edition for edition in editions if edition <= today]


def _year_outcomes(year: int, rows, tz, today: date, threshold: int) -> YearOutcomes | None:
    """The year's figures as of the latest edition, suppressed within it and against every earlier one.

    Each edition counts the year's referrals that have had 30 days by then,
    and those that engaged within 30 days. A referral's 30-day outcome is fixed once
    counted, so the referred, engaged and not-engaged counts only grow from one
    edition to the next, and `suppress_cumulative` keeps any change between two
    shown editions at 0 or at least the threshold: an officer who knows which of
    their referrals are new cannot tell what became of them. Within an edition,
    `suppress_funnel` does the same for referred versus engaged.
    """
    year_start = datetime(year, 1, 1, tzinfo=tz)
    year_end = datetime(year + 1, 1, 1, tzinfo=tz)
    editions = _editions(year, today)
    if not editions:
        return None
    referred, engaged, not_engaged = {}, {}, {}
    unseen_engaged, unseen_not_engaged = {}, {}
    for edition in editions:
        cutoff = min(datetime.combine(edition, time.min, tzinfo=tz) - ENGAGED_WITHIN, year_end)
        cohort = [
            (created_at, engaged_at is not None and engaged_at - created_at <= ENGAGED_WITHIN, seen)
            for created_at, engaged_at, seen in rows
            if year_start <= created_at < cutoff
        ]
        key = edition.isoformat()
        referred[key] = len(cohort)
        engaged[key] = sum(1 for _, did_engage, _ in cohort if did_engage)
        not_engaged[key] = referred[key] - engaged[key]
        seen = sum(1 for *_, was_seen in cohort if was_seen)
        seen_engaged = sum(1 for _, did_engage, was_seen in cohort if did_engage and was_seen)
        unseen_engaged[key] = engaged[key] - seen_engaged
        unseen_not_engaged[key] = (referred[key] - seen) - unseen_engaged[key]
    # Rule 5 (reports/README.md): the officer saw the outcome of each referral under a consent naming
    # them or their agency, so the total minus that must not reveal the others': in this edition...
    key = editions[-1].isoformat()
    seen_now = referred[key] - unseen_engaged[key] - unseen_not_engaged[key]
    publishable = unseen_part_publishable(
        total=referred[key],
        total_with=engaged[key],
        seen=seen_now,
        seen_with=engaged[key] - unseen_engaged[key],
        threshold=threshold,
    )
    # ... nor between two editions, where the officer also knows which referrals are new.
    publishable = publishable and not (
        suppress_cumulative(unseen_engaged, threshold)[key].is_suppressed
        or suppress_cumulative(unseen_not_engaged, threshold)[key].is_suppressed
    )
    in_edition = suppress_funnel({"referred": referred[key], "engaged": engaged[key]}, threshold)["engaged"]
    over_time = suppress_cumulative(engaged, threshold)[key]
    complement = suppress_cumulative(not_engaged, threshold)[key]
    # An officer who saw no outcome knows nothing to subtract: the ordinary labels below say no more.
    saw_any = any(was_seen for created_at, _, was_seen in rows if year_start <= created_at < year_end)
    if saw_any and not publishable:
        # Withheld with no label: "fewer than 11" or "not shown" would bound the unseen part.
        shown = Published.hidden(Reason.WITHHELD, threshold)
    elif in_edition.is_suppressed:
        shown = in_edition
    elif over_time.is_suppressed:
        shown = over_time
    elif complement.is_suppressed:
        shown = Published.hidden(Reason.COMPLEMENTARY, threshold)
    else:
        shown = in_edition
    last_cutoff = min(datetime.combine(editions[-1], time.min, tzinfo=tz) - ENGAGED_WITHIN, year_end)
    return YearOutcomes(
        year=year,
        as_of=editions[-1],
        cohort_end=last_cutoff.astimezone(tz).date(),
        final=last_cutoff >= year_end,
        referred=referred[key],
        engaged=shown,
        engaged_rate=rate(shown, Published.shown(referred[key], threshold), threshold),
    )


def officer_outcome_summary(officer: User, *, now: datetime | None = None) -> OutcomeSummary:
    """ "Of your 37 referrals this year, 14 engaged": this year's and last year's, only above the threshold.

    Dates are in the current time zone (views set the program's). The threshold is
    the strictest of the programs the officer has referred to. Two queries.
    """
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    local = now.astimezone(tz)
    threshold = (
        Program.objects.filter(referrals__officer=officer).aggregate(t=Max("suppression_threshold"))["t"] or DEFAULT_THRESHOLD
    )
    rows = list(
        Referral.objects.filter(officer=officer, created_at__gte=datetime(local.year - 1, 1, 1, tzinfo=tz))
        .annotate(seen=disclosure.seen_by_their_officer())
        .values_list("created_at", "engaged_at", "seen")
        .order_by()
    )
    years = [
        outcomes
        for year in (local.year, local.year - 1)
        if (outcomes := _year_outcomes(year, rows, tz, local.date(), threshold)) is not None
        # A finished year without referrals says nothing worth a card.
        and (outcomes.referred or not outcomes.final)
    ]
    this_year_start = datetime(local.year, 1, 1, tzinfo=tz)
    return OutcomeSummary(
        threshold=threshold,
        referrals_this_year=sum(1 for created_at, *_ in rows if created_at >= this_year_start),
        years=years,
    )


# --- Participants' letters ----------------------------------------------------------------------------


def letters_to_review(user: User, status: str | None = LetterStatus.PENDING) -> QuerySet[ParticipantLetter]:
    """Letters of the programs the user coordinates, oldest first (the original text is not loaded)."""
    queryset = access.letters_for_reviewer(user)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.defer("original_text", "published_text").select_related("program").order_by("created_at", "id")


def letter_counts(user: User) -> dict[str, int]:
    counts = Counter(access.letters_for_reviewer(user).values_list("status", flat=True))
    return {status: counts.get(status, 0) for status in LetterStatus.values}


def letters_recorded_by_provider(user: User) -> QuerySet[ParticipantLetter]:
    """For case managers: the letters of their agencies' participants, newest first, with their review outcome."""
    return (
        ParticipantLetter.objects.filter(provider_id__in=access.case_manager_agency_ids(user))
        .defer("original_text", "published_text")
        .select_related("recorded_by")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class NewsletterLetter:
    """A letter as the newsletter may print it: the approved, anonymised text and the month, nothing else."""

    text: str
    approved_on: date


def approved_newsletter_letters(program: Program, start: date | datetime, end: date | datetime) -> list[NewsletterLetter]:
    """Letters the coordinator chose for the newsletter, approved in [start, end), oldest first.

    Only the published (approved or redacted) text leaves this function: no
    referral, participant, officer, scan or original, so a newsletter template
    cannot reach them. Dates are whole days in the program's time zone.
    """
    letters = (
        ParticipantLetter.objects.filter(
            program=program,
            include_in_newsletter=True,
            status__in=LetterStatus.published(),
            permission__in=LetterPermission.to_newsletter(),
            reviewed_at__gte=program.start_of(start),
            reviewed_at__lt=program.start_of(end),
        )
        .only("id", "published_text", "reviewed_at")
        .order_by("reviewed_at", "id")
    )
    return [NewsletterLetter(letter.published_text, program.local_date(letter.reviewed_at)) for letter in letters]
