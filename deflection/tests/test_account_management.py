"""Coordinators and administrators unlock locked accounts and re-enable unused ones, within
their programs' agencies, audited; a daily job disables accounts unused for 90 days."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from deflection.accounts import accounts_disable_unused
from deflection.lockout import LOCKED_MESSAGE
from deflection.models import AuditEvent, User
from deflection.tasks import disable_unused_accounts


def login(client, username, password):
    return client.post(reverse("account_login"), {"login": username, "password": password})


def lock(client, username):
    for _ in range(5):
        login(client, username, "wrong-password")


def test_a_coordinator_unlocks_an_account_of_their_program(client, world, django_assert_max_num_queries):
    for username in ["dispatcher", "officer2", "sergeant", "command", "outsider"]:
        lock(client, username)
    client.force_login(world.coordinator)
    # The same handful of queries for 1 or 40 locked accounts: no query per row.
    with django_assert_max_num_queries(16):
        page = client.get(reverse("locked_accounts"))
    assert b"dispatcher" in page.content
    assert b"outsider" not in page.content  # another program's agency
    response = client.post(reverse("account_unlock", args=[world.dispatcher.pk]))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        action="account.unlock", actor_username="coordinator", object_id=str(world.dispatcher.pk)
    ).exists()
    client.post(reverse("account_logout"))
    assert login(client, "DISPATCHER", world.password).status_code == 302


def test_a_coordinator_cannot_unlock_outside_their_program(client, world):
    lock(client, "outsider")
    client.force_login(world.coordinator)
    assert client.post(reverse("account_unlock", args=[world.outsider.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="deflection.user").exists()
    client.logout()
    assert LOCKED_MESSAGE.encode() in login(client, "outsider", world.password).content


def test_an_officer_cannot_open_the_page(client, world):
    client.force_login(world.officer)
    assert client.get(reverse("locked_accounts")).status_code == 404
    assert client.post(reverse("account_unlock", args=[world.dispatcher.pk])).status_code == 404


def test_unused_accounts_are_disabled_once_and_audited(world):
    now = timezone.now()
    User.objects.update(date_joined=now - timedelta(days=200), last_login=now - timedelta(days=10))
    User.objects.filter(pk=world.dispatcher.pk).update(last_login=now - timedelta(days=91))
    User.objects.filter(pk=world.deputy.pk).update(last_login=None)  # never signed in
    with time_machine.travel(now, tick=False):
        assert disable_unused_accounts.apply().get() == 2
        assert accounts_disable_unused() == 0  # a second run changes nothing
    disabled = set(User.objects.filter(is_active=False).values_list("username", flat=True))
    assert disabled == {"dispatcher", "deputy"}
    assert AuditEvent.objects.filter(action="account.disable_unused").count() == 2


def test_a_disabled_account_cannot_sign_in_until_re_enabled(client, world):
    now = timezone.now()
    User.objects.filter(pk=world.dispatcher.pk).update(
        date_joined=now - timedelta(days=200), last_login=now - timedelta(days=100)
    )
    accounts_disable_unused()
    assert login(client, "dispatcher", world.password).status_code != 302 or not client.session.get("_auth_user_id")
    client.force_login(world.coordinator)
    assert b"dispatcher" in client.get(reverse("locked_accounts")).content
    client.post(reverse("account_reenable", args=[world.dispatcher.pk]))
    assert AuditEvent.objects.filter(action="account.reenable", object_id=str(world.dispatcher.pk)).exists()
    client.post(reverse("account_logout"))
    assert login(client, "dispatcher", world.password).status_code == 302
    assert client.session.get("_auth_user_id") == str(world.dispatcher.pk)
    # Re-enabled today: the next daily run leaves it alone, though the last sign-in is old.
    User.objects.filter(pk=world.dispatcher.pk).update(last_login=now - timedelta(days=100))
    assert accounts_disable_unused() == 0
