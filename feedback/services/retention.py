"""Retention for the feedback app's participant data: messages and letters of de-identified records (SECURITY.md 32).

The referrals job (referrals/retention.py) de-identifies a record past its program's retention period
and stamps `Participant.deidentified_at`; it cannot reach feedback's rows (feedback builds on referrals,
not the other way round). This job follows it: a case manager's messages and a participant's letters
(texts and scans) about a de-identified record are deleted, because their free text can say anything
about the person. The disclosure audit records of them stay (they carry ids, never texts), as do the
frozen figures. A record on legal hold is never de-identified, so its messages and letters stay too.
Idempotent: what was deleted is not found again; one audit record per run that deleted anything.
"""

from __future__ import annotations

from django.db import transaction

from deflection.audit import audit_log
from feedback.models import CaseManagerMessage, ParticipantLetter


def retention_apply_feedback() -> int:
    """Delete the messages and letters about de-identified records. Returns how many rows went."""
    with transaction.atomic():
        messages = CaseManagerMessage.objects.filter(referral__participant__deidentified_at__isnull=False)
        letters = ParticipantLetter.objects.filter(referral__participant__deidentified_at__isnull=False)
        message_ids = list(messages.values_list("pk", flat=True))
        letter_ids = list(letters.values_list("pk", flat=True))
        if not message_ids and not letter_ids:
            return 0
        # Scans go with their letters (CASCADE).
        CaseManagerMessage.objects.filter(pk__in=message_ids).delete()
        ParticipantLetter.objects.filter(pk__in=letter_ids).delete()
        audit_log(
            action="retention.feedback",
            object_type="feedback.retention",
            detail={"messages": len(message_ids), "letters": len(letter_ids)},
        )
    return len(message_ids) + len(letter_ids)
