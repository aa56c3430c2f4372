"""Lockout (django-axes): per account whatever the case, never per address or header, on every
way in (allauth, the Django admin, the second-factor step), until someone unlocks it."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from deflection.lockout import LOCKED_MESSAGE
from deflection.models import AuditEvent
from deflection.tests.mfa import current_code, enrol_totp, recovery_codes, wrong_code


def login(client, username, password, **headers):
    return client.post(reverse("account_login"), {"login": username, "password": password}, **headers)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_case_variants_of_a_username_count_toward_one_account(client, world):
    for typed in ["Dispatcher", "DISPATCHER", "dispatcher", "DiSpAtChEr", "dispatcheR"]:
        login(client, typed, "wrong-password")
    for typed in ["dispatcher", "DISPATCHER", "Dispatcher"]:
        response = login(client, typed, world.password)
        assert LOCKED_MESSAGE.encode() in response.content, typed
        assert signed_in_user_id(client) is None
    # Every failure is audited under the account's own name, whatever was typed.
    assert AuditEvent.objects.filter(action="login.failed", actor_username="dispatcher").count() == 5


def test_lock_is_never_lifted_by_a_header_or_another_browser(client, world, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for n in range(5):
        login(client, "officer", "wrong-password", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}", HTTP_USER_AGENT=f"ua{n}")
    response = login(
        client, "officer", world.password, HTTP_X_FORWARDED_FOR="198.51.100.7", HTTP_USER_AGENT="a different browser"
    )
    assert LOCKED_MESSAGE.encode() in response.content
    assert signed_in_user_id(client) is None


def test_the_locking_failure_shows_what_to_do(client, world):
    for _ in range(4):
        login(client, "officer", "wrong-password")
    response = login(client, "officer", "wrong-password")
    assert response.status_code == 403
    assert b"coordinator" in response.content
    assert b"unlock" in response.content


def test_admin_login_of_a_totp_user_with_the_password_alone_gives_no_staff_session(client, world):
    admin = world.administrator
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    enrol_totp(admin)

    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": world.password})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert signed_in_user_id(client) is None
    assert client.get("/admin/").status_code == 302

    # Through allauth the password leads to the second factor, and still no session.
    response = login(client, "admin", world.password)
    assert response.url == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None
    assert client.get("/admin/").status_code == 302


def test_admin_login_redirect_keeps_only_local_next(client, db):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response.status_code == 302
    assert "evil.example" not in response.url


def test_admin_sign_in_with_the_second_factor_reaches_the_admin(client, world):
    admin = world.administrator
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    secret = enrol_totp(admin)
    login(client, "admin", world.password)
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_session_that_skipped_the_second_factor_is_not_signed_in(client, world):
    secret = enrol_totp(world.coordinator)
    client.force_login(world.coordinator)  # any way in that is not allauth's login with its MFA stage
    response = client.get(reverse("program_admin"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert signed_in_user_id(client) is None
    assert AuditEvent.objects.filter(action="login.mfa_missing", actor_username="coordinator").exists()
    # Nor can it reach the second-factor settings to turn TOTP off.
    client.force_login(world.coordinator)
    client.post(reverse("mfa_deactivate_totp"))
    assert client.get(reverse("program_admin")).status_code == 302
    assert secret  # still enrolled
    from allauth.mfa.models import Authenticator

    assert Authenticator.objects.filter(user=world.coordinator, type=Authenticator.Type.TOTP).exists()


def test_guessing_totp_codes_locks_the_account_and_is_audited(client, world):
    secret = enrol_totp(world.officer)
    login(client, "officer", world.password)
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
    failures = AuditEvent.objects.filter(action="login.failed", actor_username="officer")
    assert failures.count() == 5
    assert all(event.detail == {"step": "second_factor"} for event in failures)
    # The right code no longer helps: the half-finished sign-in ended, and a new one is refused.
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert signed_in_user_id(client) is None
    response = login(client, "officer", world.password)
    assert LOCKED_MESSAGE.encode() in response.content
    assert signed_in_user_id(client) is None


def test_recovery_codes_work_once(client, world):
    enrol_totp(world.officer)
    code = recovery_codes(world.officer)[0]
    login(client, "officer", world.password)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert signed_in_user_id(client) == str(world.officer.pk)
    client.post(reverse("account_logout"))
    login(client, "officer", world.password)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert AuditEvent.objects.filter(action="login.failed", actor_username="officer").count() == 1


@pytest.mark.parametrize("forwarded", ["not-an-ip", "999.999.999.999", "1.2.3.4, nonsense", "\x00"])
def test_garbage_forwarded_for_is_counted_and_audited_without_a_500(client, world, settings, forwarded):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    response = login(client, "officer", "wrong-password", HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="login.failed", actor_username="officer")
    assert event.ip_address == "127.0.0.1"
    assert AccessAttempt.objects.get(username="officer").failures_since_start == 1


def test_a_locked_account_gets_no_code_checked_at_the_second_step(client, world):
    secret = enrol_totp(world.officer)
    login(client, "officer", world.password)  # password right; now at the second step
    other = client.__class__()
    for _ in range(5):
        login(other, "officer", "wrong-password")  # meanwhile someone locks the account
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert LOCKED_MESSAGE.encode() in response.content
    assert signed_in_user_id(client) is None
