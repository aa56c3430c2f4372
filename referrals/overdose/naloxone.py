"""The naloxone leave-behind ledger: kits handed out and restocked per unit, each unit's stock, the low-stock alert."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Membership, Program, Role, Unit, User
from deflection.outbox import enqueue
from referrals.overdose.models import (
    KitMovement,
    NaloxoneLedgerEntry,
    NaloxoneStock,
    OutreachCase,
    OutreachSettings,
)


def _stock_row(program: Program, unit: Unit) -> NaloxoneStock:
    if unit.agency_id not in program.agency_ids():
        raise ServiceError("That unit is not part of this program.")
    stock, _ = NaloxoneStock.objects.get_or_create(unit=unit, defaults={"program": program})
    return stock


def kits_restock(*, program: Program, unit: Unit, quantity: int, by: User, audit: AuditContext | None = None) -> NaloxoneStock:
    if quantity < 1:
        raise ServiceError("Enter how many kits arrived (1 or more).")
    with transaction.atomic():
        stock = _stock_row(program, unit)
        NaloxoneStock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity)
        stock.refresh_from_db(fields=["on_hand"])
        # Back at or above the threshold: the next shortage alerts again.
        if stock.on_hand >= OutreachSettings.for_program(program).low_stock_threshold:
            NaloxoneStock.objects.filter(pk=stock.pk).update(low_alerted_at=None, low_emailed_at=None)
        NaloxoneLedgerEntry.objects.create(program=program, unit=unit, movement=KitMovement.RESTOCK, quantity=quantity, by=by)
        audit_log(action="naloxone.restock", context=audit, actor=by, obj=unit, detail={"quantity": quantity})
    return stock


def kits_hand_out(
    *,
    program: Program,
    unit: Unit,
    quantity: int,
    recipient: str,
    by: User,
    case: OutreachCase | None = None,
    audit: AuditContext | None = None,
) -> NaloxoneStock:
    """Record kits left behind; the unit's stock goes down (never below zero), and a shortage alerts once."""
    if quantity < 1:
        raise ServiceError("Enter how many kits were handed out (1 or more).")
    with transaction.atomic():
        stock = _stock_row(program, unit)
        # Conditional on enough stock, in the UPDATE itself: two hand-outs at once cannot take the same kit.
        taken = NaloxoneStock.objects.filter(pk=stock.pk, on_hand__gte=quantity).update(on_hand=F("on_hand") - quantity)
        if not taken:
            raise ServiceError(
                f"{unit.name} has fewer than {quantity} kit(s) on record; record the restock first.",
                status=409,
                code="out_of_stock",
            )
        NaloxoneLedgerEntry.objects.create(
            program=program, unit=unit, movement=KitMovement.HANDOUT, quantity=quantity, recipient=recipient, case=case, by=by
        )
        audit_log(
            action="naloxone.handout", context=audit, actor=by, obj=unit, detail={"quantity": quantity, "recipient": recipient}
        )
        stock.refresh_from_db(fields=["on_hand"])
        threshold = OutreachSettings.for_program(program).low_stock_threshold
        if stock.on_hand < threshold:
            # Claimed by a conditional UPDATE: one alert per shortage, however many hand-outs follow.
            claimed = NaloxoneStock.objects.filter(pk=stock.pk, low_alerted_at__isnull=True).update(low_alerted_at=timezone.now())
            if claimed:
                audit_log(action="naloxone.low_stock", obj=unit, detail={"on_hand": stock.on_hand})
                enqueue("referrals.overdose.tasks.email_low_stock", unit_id=unit.pk)
    return stock


def low_stock_email(*, unit_id: int) -> bool:
    """Tell the program's coordinators that a unit is low on kits (numbers only, no person), once per shortage.

    The claim (low_emailed_at) and the send commit together once the mail server accepted the message,
    as every email task does (deflection/mail.py): a second copy waits on the row lock and finds it sent.
    """
    with transaction.atomic():
        # Not restocked meanwhile, and not emailed yet.
        if not NaloxoneStock.objects.filter(pk=unit_id, low_alerted_at__isnull=False, low_emailed_at__isnull=True).update(
            low_emailed_at=timezone.now()
        ):
            return False
        return _low_stock_send(NaloxoneStock.objects.select_related("unit__agency", "program").get(pk=unit_id))


def _low_stock_send(stock: NaloxoneStock) -> bool:
    recipients = sorted(
        set(
            Membership.objects.filter(
                role=Role.COORDINATOR, is_active=True, user__is_active=True, agency_id__in=stock.program.agency_ids()
            ).values_list("user__email", flat=True)
        )
    )
    if recipients:
        link = settings.SITE_URL + reverse("overdose:naloxone") + f"?program={stock.program_id}"
        send_mail(
            subject=f"Deflection: {stock.unit} is low on naloxone kits",
            message=f"{stock.unit} has {stock.on_hand} naloxone kit(s) left.\n\nThe ledger: {link}\n",
            from_email=None,
            recipient_list=recipients,
        )
    return True


def stocks_for_program(program: Program) -> list[NaloxoneStock]:
    threshold = OutreachSettings.for_program(program).low_stock_threshold
    stocks = list(
        NaloxoneStock.objects.filter(program=program).select_related("unit__agency").order_by("unit__agency__name", "unit__name")
    )
    for stock in stocks:
        stock.is_low = stock.on_hand < threshold
    return stocks
