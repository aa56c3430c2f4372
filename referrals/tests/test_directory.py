"""Provider directory: filters, stale capacity, one-tap updates by the provider's own staff."""

import datetime

from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from referrals.models import ProviderService
from referrals.tests.factories import ProviderServiceFactory


def test_officer_filters_by_service_and_open_capacity(client, rworld):
    client.force_login(rworld.officer)
    all_rows = client.get(reverse("referrals:directory")).content.decode()
    assert "Harbor Detox" in all_rows and "Harbor MOUD" in all_rows
    open_only = client.get(reverse("referrals:directory"), {"open": "1"}).content.decode()
    assert "Harbor Detox" in open_only and "Harbor MOUD" not in open_only
    moud = client.get(reverse("referrals:directory"), {"kind": "moud"}).content.decode()
    assert "Harbor Detox" not in moud and "Harbor MOUD" in moud
    assert "Update capacity" not in all_rows  # officers cannot edit


def test_capacity_older_than_a_day_is_stale(client, rworld):
    ProviderService.objects.filter(pk=rworld.detox.pk).update(capacity_updated_at=timezone.now() - datetime.timedelta(hours=25))
    client.force_login(rworld.officer)
    assert "stale: call to check" in client.get(reverse("referrals:directory")).content.decode()


def test_provider_staff_update_capacity_with_one_tap(client, rworld):
    client.force_login(rworld.case_manager)
    response = client.post(reverse("referrals:capacity", args=[rworld.detox.pk]), {"state": "full"})
    assert response.status_code == 302
    rworld.detox.refresh_from_db()
    assert rworld.detox.capacity_state == "full" and rworld.detox.capacity_updated_by == rworld.case_manager
    assert AuditEvent.objects.filter(action="capacity.update").exists()
    bad = client.post(reverse("referrals:capacity", args=[rworld.detox.pk]), {"state": "open", "open_slots": ""})
    assert bad.status_code == 400 and b"How many slots" in bad.content  # the field's error, not a redirect


def test_other_agencies_staff_cannot_update(client, rworld):
    client.force_login(rworld.officer)
    assert client.post(reverse("referrals:capacity", args=[rworld.detox.pk]), {"state": "full"}).status_code == 404


def test_directory_constant_queries(client, rworld, django_assert_max_num_queries):
    for i in range(120):
        ProviderServiceFactory(agency=rworld.provider, name=f"Extra {i}", capacity_updated_by=rworld.case_manager)
    client.force_login(rworld.case_manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("referrals:directory"))
    assert response.content.decode().count("Extra ") >= 120
