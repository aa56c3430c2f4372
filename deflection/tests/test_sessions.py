"""Sessions: 12 hours at most whatever the activity, a role change ends the user's other
sessions (not the changer's), and polling does not keep an idle session alive."""

from datetime import timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent, Membership, Role, SignInSession


def signed_in(username, password):
    client = Client()
    client.post(reverse("account_login"), {"login": username, "password": password})
    assert client.session.get("_auth_user_id")
    return client


def test_a_session_ends_twelve_hours_after_sign_in_however_active(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = signed_in("officer", world.password)
    # Busy all shift: a request every 20 minutes keeps the idle timeout away.
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("referrals:mine")).status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=5), tick=False):
        response = client.get(reverse("referrals:mine"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert AuditEvent.objects.filter(action="session.expired", actor_username="officer").exists()


def test_a_role_change_ends_the_users_other_sessions_but_not_the_changers(world):
    admin = world.administrator
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    phone = signed_in("officer", world.password)
    laptop = signed_in("officer", world.password)
    admin_client = signed_in("admin", world.password)
    membership = Membership.objects.get(user=world.officer)
    response = admin_client.post(
        reverse("admin:deflection_membership_change", args=[membership.pk]),
        {
            "user": world.officer.pk,
            "agency": world.police.pk,
            "role": Role.SUPERVISOR,
            "badge_number": "",
            "is_active": "on",
            "created_at_0": "2026-01-01",
            "created_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert phone.get(reverse("home")).status_code == 302
    assert phone.get(reverse("home")).url.startswith(reverse("account_login"))
    assert laptop.get(reverse("home")).url.startswith(reverse("account_login"))
    assert admin_client.get(reverse("program_admin")).status_code == 200
    assert not SignInSession.objects.filter(user=world.officer).exists()


def test_changing_ones_own_roles_keeps_ones_own_session(world, rf):
    from deflection.accounts import roles_changed

    other = signed_in("coordinator", world.password)
    mine = signed_in("coordinator", world.password)
    request = rf.get("/")
    request.user = world.coordinator
    request.session = mine.session
    assert roles_changed(user=world.coordinator, changed_by=request.user, changer_session_key=request.session.session_key) == 1
    assert mine.get(reverse("program_admin")).status_code == 200
    assert other.get(reverse("program_admin")).status_code == 302
