"""A re-referral never changes the participant's recorded details; new ones wait for the case manager."""

import uuid

from django.urls import reverse

from deflection.models import AuditEvent
from referrals.models import Participant, ParticipantUpdateProposal, ProposalDecision
from referrals.tests.conftest import referral_post

URL = reverse("referrals:new")
RECORDED = "(555) 123-4567"
NEW = "(555) 987-6543"


def _rerefer(client, rworld):
    client.force_login(rworld.officer)
    client.post(URL, referral_post(rworld, phone=RECORDED))
    # The officer confirms past the 15-minute repeat guard: this is a new referral of the same person.
    client.post(URL, referral_post(rworld, phone=NEW, idempotency_key=str(uuid.uuid4()), send_as_new="on"))
    return Participant.objects.get()


def test_rereferral_with_a_new_phone_keeps_the_recorded_one(client, rworld):
    participant = _rerefer(client, rworld)
    assert participant.phone == RECORDED
    proposal = ParticipantUpdateProposal.objects.get()
    assert proposal.phone == NEW and proposal.decision == ProposalDecision.PENDING
    assert proposal.proposed_by == rworld.officer


def test_rereferral_with_the_same_phone_proposes_nothing(client, rworld):
    client.force_login(rworld.officer)
    client.post(URL, referral_post(rworld, phone=RECORDED))
    client.post(URL, referral_post(rworld, phone=RECORDED, idempotency_key=str(uuid.uuid4()), send_as_new="on"))
    assert not ParticipantUpdateProposal.objects.exists()


def test_case_manager_accepts_the_proposed_phone(client, rworld):
    participant = _rerefer(client, rworld)
    client.force_login(rworld.case_manager)
    page = client.get(reverse("referrals:participant", args=[participant.pk])).content.decode()
    assert NEW in page and "Accept" in page
    proposal = ParticipantUpdateProposal.objects.get()
    client.post(reverse("referrals:proposal_decide", args=[proposal.pk]), {"decision": "accept"})
    client.post(reverse("referrals:proposal_decide", args=[proposal.pk]), {"decision": "discard"})  # a late second click
    participant.refresh_from_db()
    assert participant.phone == NEW
    assert ParticipantUpdateProposal.objects.get().decision == ProposalDecision.ACCEPTED
    event = AuditEvent.objects.get(action="participant.update_accepted")
    assert event.actor == rworld.case_manager and NEW not in str(event.detail)


def test_case_manager_discards_the_proposed_phone(client, rworld):
    participant = _rerefer(client, rworld)
    client.force_login(rworld.case_manager)
    proposal = ParticipantUpdateProposal.objects.get()
    client.post(reverse("referrals:proposal_decide", args=[proposal.pk]), {"decision": "discard"})
    participant.refresh_from_db()
    assert participant.phone == RECORDED
    assert AuditEvent.objects.filter(action="participant.update_discarded").exists()
    page = client.get(reverse("referrals:participant", args=[participant.pk])).content.decode()
    assert NEW not in page


def test_officer_cannot_decide_a_proposal(client, rworld):
    _rerefer(client, rworld)
    proposal = ParticipantUpdateProposal.objects.get()
    response = client.post(reverse("referrals:proposal_decide", args=[proposal.pk]), {"decision": "accept"})
    assert response.status_code == 404
    assert Participant.objects.get().phone == RECORDED
