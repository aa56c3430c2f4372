"""The coordinators' weekly audit review (CJIS): which events, whose, and the filter form.

Events of a program are those whose actor (or, for a failed sign-in, the typed username) belongs
to one of the program's agencies. Dates are days in the program's time zone.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from deflection.auditchain import audit_chain_head
from deflection.models import AuditEvent, AuditOutcome, AuditReviewDigest, Membership, Program, Role
from deflection.program_time import local_midnight

KINDS: dict[str, tuple[str, Q]] = {
    "failed_login": ("Failed sign-ins", Q(action="login.failed") | Q(action__startswith="mfa.", outcome=AuditOutcome.FAILURE)),
    "lockout": ("Lockouts", Q(action="login.locked")),
    "break_glass": ("Break-glass", Q(action__startswith="breakglass.")),
    "denied": ("Denied look-ups", Q(action="access.denied")),
    "export": ("Exports", Q(action__endswith=".csv") | Q(action__contains="export")),
    "pdf": ("PDF downloads", Q(action__endswith=".pdf") | Q(action="newsletter.download")),
}
REVIEWED = Q()
for _label, _q in KINDS.values():
    REVIEWED |= _q


def _sane_day(value: datetime.date) -> None:
    # A year outside this window is a typo, and year 9999 in a far-east zone overflows once in UTC.
    if not 2000 <= value.year <= 2100:
        raise forms.ValidationError("Enter a date between 2000 and 2100.")


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Everything reviewed")] + [(k, v[0]) for k, v in KINDS.items()], required=False)
    user = forms.CharField(label="Username", max_length=150, required=False)
    start = forms.DateField(label="From", required=False, validators=[_sane_day], widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, validators=[_sane_day], widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("“From” must not be after “To”.")
        return data


def program_usernames(program: Program):
    return Membership.objects.filter(agency_id__in=program.agency_ids()).values("user__username")


def audit_events_for_review(*, program: Program | None, filters: dict) -> QuerySet[AuditEvent]:
    """The events the review lists, newest first; `program` None means every program (administrators)."""
    events = AuditEvent.objects.filter(REVIEWED)
    if program is not None:
        events = events.filter(actor_username__in=program_usernames(program))
    if filters.get("kind"):
        events = events.filter(KINDS[filters["kind"]][1])
    if filters.get("user"):
        events = events.filter(actor_username__iexact=filters["user"])
    tz = program.time_zone if program is not None else "UTC"
    if filters.get("start"):
        events = events.filter(at__gte=local_midnight(filters["start"], tz))
    if filters.get("end"):
        events = events.filter(at__lt=local_midnight(filters["end"] + datetime.timedelta(days=1), tz))
    kind = Case(*[When(query, then=Value(label)) for label, query in KINDS.values()], default=Value(""))
    return events.annotate(kind=kind).order_by("-at", "-id")


def last_week_start(program: Program, now: datetime.datetime) -> datetime.date:
    """Monday of the week before the one `now` falls in, on the program's calendar."""
    today = program.local_date(now)
    return today - datetime.timedelta(days=today.weekday() + 7)


def audit_review_digest_send(*, program_id: int, week_start: datetime.date) -> bool:
    """Email the program's coordinators last week's counts and a link, once (SECURITY.md 12, 19)."""
    program = Program.objects.get(pk=program_id)
    digest, _created = AuditReviewDigest.objects.get_or_create(program=program, week_start=week_start)
    # The claim and the send commit together, once the mail server accepted the message: a second worker
    # or beat run waits on the row lock and skips it; a refused send or a worker killed mid-send leaves it
    # unclaimed for the retry or the redelivered task (issue 15).
    with transaction.atomic():
        if not AuditReviewDigest.objects.filter(pk=digest.pk, sent_at__isnull=True).update(sent_at=timezone.now()):
            return False
        week = {"start": week_start, "end": week_start + datetime.timedelta(days=6)}
        events = audit_events_for_review(program=program, filters=week)
        counts = dict(events.order_by().values("kind").annotate(n=Count("id")).values_list("kind", "n"))
        recipients = sorted(
            set(
                Membership.objects.filter(
                    role=Role.COORDINATOR, is_active=True, user__is_active=True, agency_id__in=program.agency_ids()
                ).values_list("user__email", flat=True)
            )
        )
        if recipients:
            link = f"{settings.SITE_URL}{reverse('audit_review')}?{urlencode({'program': program.pk, **week})}"
            lines = [f"{label}: {counts.get(label, 0)}" for label, _query in KINDS.values()]
            head = audit_chain_head()
            # The chain head, kept in the coordinators' mailboxes, where whoever owns the database cannot rewrite it:
            # `manage.py audit_verify --head ...` later shows whether the trail's tail was cut off (deflection/auditchain.py).
            witness = f"\n\nAudit chain head (for manage.py audit_verify --head): {head}\n" if head else "\n"
            send_mail(
                subject=f"Deflection: audit review for the week of {week_start:%b %-d}",
                message="Last week's events to review:\n\n" + "\n".join(lines) + f"\n\nReview them: {link}" + witness,
                from_email=None,
                recipient_list=recipients,
            )
    return True


def audit_review_digests_due(now: datetime.datetime) -> list[tuple[int, datetime.date]]:
    """(program id, week) pairs whose Monday-07:00 local send time has passed and that are not sent yet."""
    due = []
    for program in Program.objects.all():
        local = program.localtime(now)
        if local.weekday() == 0 and local.hour < 7:
            continue
        week_start = last_week_start(program, now)
        if not AuditReviewDigest.objects.filter(program=program, week_start=week_start, sent_at__isnull=False).exists():
            due.append((program.pk, week_start))
    return due
