"""A page left open with a progress bar does not keep an idle session alive (SECURITY.md 8, 24)."""

from datetime import date, timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from reports.models import Newsletter


def test_polling_the_newsletter_status_does_not_renew_the_idle_session(client, world):
    newsletter = Newsletter.objects.create(
        program=world.program, kind="monthly", period_start=date(2026, 4, 1), period_end=date(2026, 4, 30)
    )
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(reverse("account_login"), {"login": "coordinator", "password": world.password})
        assert client.get(reverse("program_admin")).status_code == 200
    status_url = reverse("reports:newsletter_status", args=[newsletter.pk])
    for minutes in (10, 20, 29):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(status_url).status_code == 200
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.get(reverse("program_admin"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_ordinary_page_does_renew_it(client, world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(reverse("account_login"), {"login": "coordinator", "password": world.password})
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert client.get(reverse("program_admin")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert client.get(reverse("program_admin")).status_code == 200
