"""The client address: X-Forwarded-For only from TRUSTED_PROXIES, never junk, and an audit
write that the database refuses never fails the request."""

import pytest
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse

from deflection.audit import audit_log, client_ip
from deflection.models import AuditEvent, Program


def request_from(peer, forwarded=None):
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from("198.51.100.9", "203.0.113.66")) == "198.51.100.9"


def test_forwarded_for_from_a_trusted_proxy_is_used(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from("10.1.2.3", "203.0.113.66")) == "203.0.113.66"


def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client(settings):
    # The client typed "1.1.1.1" itself; our proxies appended what they saw.
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    assert client_ip(request_from("10.0.0.1", "1.1.1.1, 203.0.113.66, 192.0.2.10")) == "203.0.113.66"


@pytest.mark.parametrize("forwarded", ["not-an-ip", "999.999.999.999", "203.0.113.66, junk", "", "\x00"])
def test_junk_forwarded_for_from_a_trusted_proxy_falls_back_to_the_proxy(settings, forwarded):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from("10.1.2.3", forwarded)) == "10.1.2.3"


def test_no_valid_peer_is_no_address(settings):
    assert client_ip(request_from("not-an-ip")) is None


def test_spoofed_forwarded_for_at_sign_in_is_not_what_the_audit_records(client, world, settings):
    settings.TRUSTED_PROXIES = []
    client.post(reverse("account_login"), {"login": "officer", "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert AuditEvent.objects.get(action="login.failed").ip_address == "127.0.0.1"


def test_forwarded_for_from_a_trusted_proxy_is_what_the_audit_records(client, world, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client.post(reverse("account_login"), {"login": "officer", "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert AuditEvent.objects.get(action="login.failed").ip_address == "203.0.113.66"


def test_an_audit_write_the_database_refuses_does_not_fail_the_work_around_it(world, caplog):
    with transaction.atomic():
        assert audit_log(action="test.refused", object_type="x", object_id="a\x00b") is None
        assert audit_log(action="x" * 200, username="officer") is None  # longer than the column
        # The transaction is still usable, and what follows is kept.
        Program.objects.filter(pk=world.program.pk).update(name="Renamed")
        audit_log(action="test.kept", object_type="x", object_id="1")
    assert Program.objects.get(pk=world.program.pk).name == "Renamed"
    assert AuditEvent.objects.filter(action="test.kept").exists()
    # Logged without the username or the values.
    assert "audit write failed" in caplog.text
    assert "officer" not in caplog.text
