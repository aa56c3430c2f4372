"""Demo activity for the feedback app (`seed_demo`): a year of suggestions, three surveys, research highlights,
and the outcome feed: participants' letters at every review state, case managers' messages, past weekly digests.

Rows are written with the ORM rather than the services because they are
backdated (the services stamp "now"). Each kind of row is found by a natural
key (suggestion text, survey title, highlight title; the program's letters and
messages; (officer, week) for digests) first, so running it twice adds nothing.
Anonymity rules still hold: anonymous rows have no author. Consent rules too:
messages and officer letters go only to referrals whose consent covers free text.

Longer than 500 lines because it is one story (a year of the feedback loop) whose parts refer to each
other; it is demo data, not runtime code.
"""

from __future__ import annotations

import base64
import random
import struct
import zlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from deflection.models import AgencyKind, AuditEvent, Membership, Program, Role, User
from feedback import access, selectors, services
from feedback.models import (
    CaseManagerMessage,
    DeliveryStatus,
    FileType,
    Highlight,
    HighlightKind,
    LetterPermission,
    LetterScan,
    LetterStatus,
    ParticipantLetter,
    QuestionKind,
    Suggestion,
    SuggestionStatus,
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    WeeklyDigest,
)
from feedback.services import CHECKLIST_OPEN_QUESTIONS
from referrals import disclosure
from referrals.disclosure import OfficerView, disclosure_records
from referrals.models import Referral

# (days ago, text, status, response, anonymous)
SUGGESTIONS = [
    (
        350,
        "Put the referral form on the squad-car laptops, not only on phones.",
        SuggestionStatus.ADOPTED,
        "Done in March: the form now opens from the MDT home screen.",
        False,
    ),
    (
        338,
        "Let us see whether the person we referred actually made it to intake.",
        SuggestionStatus.ADOPTED,
        "Case managers now post a status to your referral when the person consents. Ask them about consent at hand-off.",
        True,
    ),
    (
        320,
        "Night shift never gets the training sessions. Can one run at 0600?",
        SuggestionStatus.ADOPTED,
        "Since June every refresher runs once at 0600 and once at 1400.",
        False,
    ),
    (
        301,
        "Give us a card with the treatment center's number to hand out.",
        SuggestionStatus.ADOPTED,
        "Wallet cards are at every front desk and in the supply room.",
        True,
    ),
    (
        287,
        "Count referrals in evaluations the way traffic stops are counted.",
        SuggestionStatus.ADOPTED,
        "Command agreed: referrals appear in the quarterly evaluation from this year.",
        False,
    ),
    (
        270,
        "Allow referrals for people on probation.",
        SuggestionStatus.ADOPTED,
        "They are eligible now; the form routes them to the probation liaison.",
        True,
    ),
    (
        255,
        "Drop the requirement to call the case manager from the scene.",
        SuggestionStatus.DECLINED,
        "A warm hand-off doubles engagement, so we keep it, but the case manager now calls you back within 15 minutes.",
        False,
    ),
    (
        240,
        "Pay overtime for transporting people to detox.",
        SuggestionStatus.DECLINED,
        "The budget cannot cover it this year. Transport by the co-responder van is available 24/7 instead.",
        True,
    ),
    (
        226,
        "Bring someone in recovery to roll call.",
        SuggestionStatus.ADOPTED,
        "Two peer recovery coaches from Second Chance now visit roll call monthly.",
        True,
    ),
    (
        210,
        "The detox beds are always full at night. Tell us before we drive out.",
        SuggestionStatus.ADOPTED,
        "Open beds now show on the referral form, with when they were last updated.",
        False,
    ),
    (
        198,
        "Make the eligibility checklist shorter.",
        SuggestionStatus.ADOPTED,
        "Cut from 14 questions to 6 after the spring survey.",
        True,
    ),
    (
        183,
        "Send the newsletter by email, not only on the board.",
        SuggestionStatus.ADOPTED,
        "The quarterly newsletter is emailed to everyone from July.",
        False,
    ),
    (
        170,
        "Recognise officers with the most quality referrals at the awards night.",
        SuggestionStatus.ADOPTED,
        "A deflection commendation was awarded at this year's ceremony.",
        True,
    ),
    (
        152,
        "Let dispatchers flag calls that might suit deflection.",
        SuggestionStatus.UNDER_REVIEW,
        "We are piloting a flag in CAD with two dispatchers; results in the next newsletter.",
        True,
    ),
    (139, "Add a Spanish version of the hand-out card.", SuggestionStatus.ADOPTED, "Spanish cards arrived in October.", False),
    (
        121,
        "Explain what happens after we hand someone off. It feels like a black box.",
        SuggestionStatus.ADOPTED,
        "A 20-minute session on the post-referral process is now part of the refresher.",
        True,
    ),
    (
        104,
        "Allow referrals by text message from the scene.",
        SuggestionStatus.DECLINED,
        "Texts cannot carry the consent safely. The short phone form takes under three minutes instead.",
        True,
    ),
    (
        90,
        "Share how many people stayed in treatment, not only how many we referred.",
        SuggestionStatus.ADOPTED,
        "Retention at 30 and 90 days is in every newsletter now (counts under 11 are not shown).",
        False,
    ),
    (
        71,
        "The form times out when signal drops on Route 9.",
        SuggestionStatus.UNDER_REVIEW,
        "The form now keeps a draft on the phone; we are checking it with District 2.",
        False,
    ),
    (55, "Partner with the hospital ED for overdose follow-ups.", SuggestionStatus.UNDER_REVIEW, "", True),
    (
        40,
        "Can supervisors see their squad's referrals on one page?",
        SuggestionStatus.UNDER_REVIEW,
        "Being built for the supervisor dashboard.",
        False,
    ),
    (26, "Put the naloxone training dates on the calendar app.", SuggestionStatus.NEW, "", True),
    (14, "A quick way to say 'this person was already referred last week'.", SuggestionStatus.NEW, "", False),
    (6, "More case managers on weekends, please.", SuggestionStatus.NEW, "", True),
    (2, "Show the booking-time comparison on the home page.", SuggestionStatus.NEW, "", False),
]

HIGHLIGHTS = [
    (
        HighlightKind.FINDING,
        "Referrals up 38% since the spring",
        "Officers made 212 referrals from April to September, against 154 in the six months before. "
        "Most of the rise came from the night shift after the 0600 training sessions.",
        "",
    ),
    (
        HighlightKind.FINDING,
        "Half of the people referred engaged in treatment within 30 days",
        "Of the people referred in the first half of the year, 51% engaged in treatment within 30 days. "
        "Retention at 90 days is lower than we want; case managers are adding weekend follow-ups.",
        "",
    ),
    (
        HighlightKind.LINK,
        "National survey of first-responder deflection programs",
        "The national picture: how programs across the country are set up and what they measure.",
        "https://www.cossapresources.org/Content/Documents/Articles/CHJ-TASC_Nation_Survey_Report.pdf",
    ),
    (
        HighlightKind.LINK,
        "Systematic review of police-based diversion",
        "Police diversion programs reduce re-offending; a review of the research.",
        "https://doi.org/10.1016/j.drugpo.2022.103697",
    ),
    (
        HighlightKind.FINDING,
        "A referral takes 11 minutes; a booking takes 95",
        "The median referral took 11 minutes from start to hand-off this quarter.",
        "",
    ),
]

SCALE_QUESTIONS = [
    "How easy is it to make a deflection referral?",
    "How well do you understand what happens after a referral?",
]
SPARSE_QUESTION = "Anything else the coordinator should know?"

OPEN_ANSWERS = {
    CHECKLIST_OPEN_QUESTIONS[0]: [
        "Hearing that someone I referred is doing well.",
        "Less paperwork than a booking.",
        "Supervisors backing it at roll call.",
        "Knowing a bed is actually open.",
        "Recognition in evaluations.",
        "Stories from people in recovery.",
        "Faster call-back from the case manager.",
        "Seeing the numbers.",
        "Training on the night shift.",
        "A shorter form.",
        "Knowing it counts as real police work.",
        "Command doing it too.",
    ],
    CHECKLIST_OPEN_QUESTIONS[1]: [
        "Shorter eligibility checklist.",
        "Let the form work offline.",
        "Text us when the person shows up.",
        "Put the hand-out card in every car.",
        "Weekend case managers.",
        "One number to call, day or night.",
        "Explain consent in plain words.",
        "Let dispatch flag likely calls.",
        "Co-responder on nights.",
        "Fewer questions about the person's history.",
        "A map of treatment providers.",
    ],
    SPARSE_QUESTION: [
        "Thanks for asking.",
        "Keep the newsletter coming.",
        "More Spanish materials.",
        "The wallet cards help.",
        "Please fix the Route 9 signal problem.",
        "Good program.",
    ],
}


def _audience_users(program: Program, roles: list[str]) -> list[tuple[User, Membership]]:
    memberships = (
        Membership.objects.filter(is_active=True, role__in=roles, agency_id__in=program.agency_ids())
        .select_related("user", "agency")
        .order_by("user__username")
    )
    seen, result = set(), []
    for membership in memberships:
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            result.append((membership.user, membership))
    return result


def _seed_suggestions(program: Program, rng: random.Random) -> int:
    existing = set(Suggestion.objects.filter(program=program).values_list("text", flat=True))
    coordinator = User.objects.filter(username="coordinator").first()
    writers = [u for u, _ in _audience_users(program, [Role.OFFICER, Role.SUPERVISOR, Role.DISPATCHER])]
    named_officer = User.objects.filter(username="officer").first()
    today = timezone.localdate()
    now = timezone.now()
    rows = []
    for i, (days_ago, text, status, response, anonymous) in enumerate(SUGGESTIONS):
        if text in existing:
            continue
        author = None
        if not anonymous:
            # The demo `officer` wrote every third named one, so signing in as them shows "Your suggestions".
            author = named_officer if (i % 3 == 0 and named_officer) else rng.choice(writers)
        answered = bool(response)
        rows.append(
            Suggestion(
                program=program,
                author=author,
                text=text,
                submitted_on=today - timedelta(days=days_ago),
                status=status,
                response=response,
                responded_by=coordinator if answered else None,
                responded_at=now - timedelta(days=max(days_ago - rng.randint(3, 20), 1)) if answered else None,
            )
        )
    Suggestion.objects.bulk_create(rows)
    return len(rows)


def _seed_survey(program, *, title, opens_days_ago, days_open, respondents, sparse_answers, rng) -> bool:
    """One anonymous survey with `respondents` answers; the sparse question gets only `sparse_answers`."""
    if Survey.objects.filter(program=program, title=title).exists():
        return False
    coordinator = User.objects.filter(username="coordinator").first()
    roles = [Role.OFFICER, Role.SUPERVISOR, Role.DISPATCHER]
    opens_at = timezone.now() - timedelta(days=opens_days_ago)
    survey = Survey.objects.create(
        program=program,
        title=title,
        intro="Five minutes, anonymous. The checklist asks us to hear from the people who make referrals.",
        anonymous=True,
        audience_roles=roles,
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=days_open),
        # Demo surveys never email anyone: mark the reminder as already handled.
        reminders_enqueued_at=opens_at,
        created_by=coordinator,
    )
    law_enforcement = [a for a in program.partners.all() if a.kind != AgencyKind.TREATMENT] + [program.lead_agency]
    law_enforcement = [a for a in law_enforcement if a.kind in {AgencyKind.POLICE, AgencyKind.SHERIFF, AgencyKind.FIRE_EMS}]
    survey.audience_agencies.set(law_enforcement)
    texts = SCALE_QUESTIONS + CHECKLIST_OPEN_QUESTIONS + [SPARSE_QUESTION]
    kinds = [QuestionKind.SCALE] * len(SCALE_QUESTIONS) + [QuestionKind.OPEN] * (len(texts) - len(SCALE_QUESTIONS))
    questions = SurveyQuestion.objects.bulk_create(
        SurveyQuestion(survey=survey, position=i, kind=kind, text=text)
        for i, (kind, text) in enumerate(zip(kinds, texts, strict=True), 1)
    )
    audience = [(u, m) for u, m in _audience_users(program, roles) if m.agency in law_enforcement]
    # The demo `officer` is left out so that they can still answer the open survey themselves.
    audience = [(u, m) for u, m in audience if u.username != "officer"]
    chosen = rng.sample(audience, min(respondents, len(audience)))
    participations, responses, answers = [], [], []
    for n, (user, membership) in enumerate(chosen):
        answered_at = opens_at + timedelta(hours=rng.randint(1, days_open * 20))
        participations.append(SurveyParticipation(survey=survey, user=user, created_at=answered_at))
        response = SurveyResponse(survey=survey, respondent_role=membership.role, respondent_agency=membership.agency)
        responses.append(response)
        for question in questions:
            if question.text == SPARSE_QUESTION:
                if n < sparse_answers:
                    text = OPEN_ANSWERS[SPARSE_QUESTION][n % 6]
                    answers.append(SurveyAnswer(response=response, question=question, text=text))
            elif question.kind == QuestionKind.SCALE:
                value = rng.choices([1, 2, 3, 4, 5], [1, 2, 4, 6, 4])[0]
                answers.append(SurveyAnswer(response=response, question=question, scale_value=value))
            elif rng.random() < 0.75:
                answers.append(SurveyAnswer(response=response, question=question, text=rng.choice(OPEN_ANSWERS[question.text])))
    SurveyParticipation.objects.bulk_create(participations)
    SurveyResponse.objects.bulk_create(responses)
    SurveyAnswer.objects.bulk_create(answers)
    return True


def _seed_highlights(program: Program) -> int:
    coordinator = User.objects.filter(username="coordinator").first()
    existing = set(Highlight.objects.filter(program=program).values_list("title", flat=True))
    now = timezone.now()
    rows = [
        Highlight(
            program=program,
            kind=kind,
            title=title,
            body=body,
            url=url,
            created_by=coordinator,
            created_at=now - timedelta(days=30 * (len(HIGHLIGHTS) - i)),
        )
        for i, (kind, title, body, url) in enumerate(HIGHLIGHTS)
        if title not in existing
    ]
    Highlight.objects.bulk_create(rows)
    return len(rows)


# (days ago recorded, permission, review state, original, published (for a redaction), newsletter, officer's letter)
LETTERS = [
    (
        3,
        LetterPermission.BOTH,
        LetterStatus.PENDING,
        "I don't remember much about that night, but I remember the officer sat with me until the van came. "
        "I've been at Harbor Light three weeks now. Thank you.",
        "",
        False,
        True,
    ),
    (2, LetterPermission.OFFICER, LetterStatus.PENDING, "", "", False, True),  # a photo of a handwritten card
    (
        40,
        LetterPermission.OFFICER,
        LetterStatus.APPROVED,
        "Thank you for not arresting me. You told me it wasn't too late, and you were right. Ninety days this week.",
        "",
        False,
        True,
    ),
    (
        55,
        LetterPermission.BOTH,
        LetterStatus.REDACTED,
        "Officer Garcia, my name is Jamie Rivera. You found me behind the laundromat on Main St after I overdosed. "
        "I'm in the women's residential program now and my kids visit on Sundays.",
        "Officer, you found me after I overdosed. I'm in a residential program now and my kids visit on Sundays. "
        "Thank you for giving me another chance.",
        True,
        True,
    ),
    (
        70,
        LetterPermission.NEWSLETTER,
        LetterStatus.APPROVED,
        "To every officer who hands out those cards: I kept mine in my wallet for two months before I called. "
        "I called. I'm still here.",
        "",
        True,
        False,
    ),
    (
        85,
        LetterPermission.NEWSLETTER,
        LetterStatus.REJECTED,
        "I want to tell everyone what happened at the shelter with the other guys who were using, by name.",
        "",
        False,
        False,
    ),
    (
        120,
        LetterPermission.BOTH,
        LetterStatus.APPROVED,
        "Six months. Peer coaching every Tuesday. Thank you for the warm hand-off, it made all the difference.",
        "",
        True,
        True,
    ),
]
REJECT_NOTE = "Names other participants; we can't publish it. Offered to help write a new one."
REDACT_NOTE = "Took out names and places."

# (days ago, text): short notes from the case manager, each under a consent that covers free text.
MESSAGES = [
    (12, "Thank you for the referral. She started outpatient treatment this week and asked me to say thanks."),
    (26, "He's in residential treatment now and doing well. Your warm hand-off made the difference."),
    (45, "Just so you know: he's stayed with the MOUD clinic for 60 days. Thanks for thinking of us."),
]
DIGEST_WEEKS = 6  # past weeks with digests already sent; the latest due week is left for celery beat to send


def demo_card_png() -> bytes:
    """A small cream-coloured "photo of a card" with pale ruled lines: a real PNG for the upload-free demo."""
    width, height = 240, 150
    rows = []
    for y in range(height):
        line = (214, 214, 200) if y % 18 == 17 else (250, 246, 232)
        rows.append(b"\x00" + bytes(line) * width)
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _persona_referrals(program: Program, officer: User, case_manager: User) -> tuple[list[Referral], list[Referral]]:
    """The persona officer's referrals in the persona case manager's queue: (consent covers free text, does not)."""
    referrals = list(
        Referral.objects.filter(program=program, officer=officer, provider_id__in=access.case_manager_agency_ids(case_manager))
        .select_related("officer")
        .order_by("-created_at", "-id")[: selectors.FEED_REFERRALS]
    )
    consents = disclosure.consents_by_participant(r.participant_id for r in referrals)
    today = timezone.localdate()
    covered, uncovered = [], []
    for referral in referrals:
        consent = disclosure.free_text_consent(referral, officer, consents.get(referral.participant_id, []), today)
        (covered if consent else uncovered).append((referral, consent))
    return covered, uncovered


def _seed_messages(covered, case_manager: User, now) -> int:
    if not covered or CaseManagerMessage.objects.filter(referral__program_id=covered[0][0].program_id).exists():
        return 0
    rows, records = [], []
    for (referral, consent), (days_ago, text) in zip(covered, MESSAGES, strict=False):
        at = max(now - timedelta(days=days_ago), referral.created_at + timedelta(days=1))
        message = CaseManagerMessage(
            referral=referral,
            officer_id=referral.officer_id,
            sender=case_manager,
            consent=consent,
            text=text,
            created_at=at,
            email_status=DeliveryStatus.SENT,
            emailed_at=at + timedelta(minutes=2),
        )
        rows.append(message)
    CaseManagerMessage.objects.bulk_create(rows)
    for message, (referral, consent) in zip(rows, covered, strict=False):
        view = OfficerView(f"case manager message {message.pk}", consent_id=consent.pk, level=consent.level)
        for record in disclosure_records(
            referrals_and_views=[(referral, view)],
            viewer=referral.officer,
            ip_address=None,
            channel="message",
            actor=case_manager,
        ):
            record.at = message.created_at
            records.append(record)
    AuditEvent.objects.bulk_create(records)
    return len(rows)


def _seed_letters(program: Program, covered, uncovered, case_manager: User, coordinator: User, now) -> int:
    if ParticipantLetter.objects.filter(program=program).exists():
        return 0
    for_officer = [r for r, _ in covered] or [r for r, _ in uncovered]
    others = [r for r, _ in uncovered] or for_officer
    if not for_officer:
        return 0
    created = 0
    for i, (days_ago, permission, status, original, published, newsletter, to_officer) in enumerate(LETTERS):
        recorded = now - timedelta(days=days_ago)
        pool = for_officer if to_officer else others
        # A letter comes a few weeks after the referral it answers (the pools are newest first).
        earlier = [r for r in pool if r.created_at <= recorded - timedelta(days=14)] or pool[-1:]
        referral = earlier[i % len(earlier)]
        reviewed = status != LetterStatus.PENDING
        letter = ParticipantLetter.objects.create(
            program=program,
            referral=referral,
            provider_id=referral.provider_id,
            permission=permission,
            original_text=original,
            scan_type="" if original else FileType.PNG,
            status=status,
            published_text=(published or original) if status in LetterStatus.published() else "",
            include_in_newsletter=newsletter,
            review_note={LetterStatus.REJECTED: REJECT_NOTE, LetterStatus.REDACTED: REDACT_NOTE}.get(status, ""),
            recorded_by=case_manager,
            created_at=recorded,
            reviewed_by=coordinator if reviewed else None,
            reviewed_at=recorded + timedelta(days=2) if reviewed else None,
        )
        if not original:
            png = demo_card_png()
            LetterScan.objects.create(
                letter=letter, file_type=FileType.PNG, size=len(png), data=base64.b64encode(png).decode("ascii")
            )
        created += 1
    return created


def _seed_digests(program: Program, now) -> int:
    """Digests already sent for past weeks, counted as the real job counts them (under today's consents)."""
    weeks = []
    due_week_start = services.digest_week(program, now)[0]
    for back in range(1, DIGEST_WEEKS + 1):
        weeks.append(services.digest_week(program, now - timedelta(days=7 * back)))
    weeks = [w for w in weeks if w[0] < due_week_start]
    done = set(WeeklyDigest.objects.filter(week_start__in=[w[0] for w in weeks]).values_list("officer_id", "week_start"))
    today = timezone.localdate()
    officers = {}
    rows = []
    for week_start, start, end in weeks:
        for officer_id in selectors.officers_with_activity(program, start, end):
            if (officer_id, week_start) in done:
                continue
            officer = officers.setdefault(officer_id, User.objects.get(pk=officer_id))
            items = selectors.officer_feed(officer, on=today, since=start, until=end, include_received=False, limit=None)
            if not items:
                continue
            kinds = [item.kind for item in items]
            rows.append(
                WeeklyDigest(
                    officer=officer,
                    week_start=week_start,
                    period_start=start,
                    period_end=end,
                    status=DeliveryStatus.SENT,
                    updates=kinds.count(selectors.FeedKind.STATUS),
                    messages=kinds.count(selectors.FeedKind.MESSAGE),
                    letters=kinds.count(selectors.FeedKind.LETTER),
                    created_at=end + timedelta(hours=7),
                    sent_at=end + timedelta(hours=7),
                )
            )
    WeeklyDigest.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _seed_outcome_feed(program: Program) -> str:
    officer = User.objects.filter(username="officer").first()
    case_manager = User.objects.filter(username="casemanager").first()
    coordinator = User.objects.filter(username="coordinator").first()
    if not (officer and case_manager and coordinator):
        return ""
    now = timezone.now()
    covered, uncovered = _persona_referrals(program, officer, case_manager)
    messages = _seed_messages(covered, case_manager, now)
    letters = _seed_letters(program, covered, uncovered, case_manager, coordinator, now)
    digests = _seed_digests(program, now)
    return f", {letters} letters, {messages} messages, {digests} weekly digests"


@transaction.atomic
def seed(program: Program) -> str:
    rng = random.Random(6)
    if not User.objects.filter(username="coordinator").exists():
        return ""
    suggestions = _seed_suggestions(program, rng)
    surveys = sum(
        [
            _seed_survey(
                program,
                title="Spring officer survey",
                opens_days_ago=240,
                days_open=21,
                respondents=34,
                sparse_answers=6,
                rng=rng,
            ),
            _seed_survey(
                program, title="Autumn officer survey", opens_days_ago=75, days_open=21, respondents=28, sparse_answers=4, rng=rng
            ),
            _seed_survey(
                program, title="Winter check-in", opens_days_ago=5, days_open=16, respondents=9, sparse_answers=2, rng=rng
            ),
        ]
    )
    highlights = _seed_highlights(program)
    outcome_feed = _seed_outcome_feed(program)
    return f"{suggestions} suggestions, {surveys} surveys, {highlights} highlights{outcome_feed}"
