"""The demo includes Riverside PD's CAD client, whose published token reads the directory."""

from django.core.management import call_command

from demo.api import DEMO_TOKEN
from referrals.api.models import ApiClient


def test_demo_token_reads_the_directory_and_a_second_seed_adds_nothing(client, db, tmp_path):
    with open(tmp_path / "out.txt", "w") as out:
        call_command("seed_demo", stdout=out)
        call_command("seed_demo", stdout=out)
    assert ApiClient.objects.count() == 1
    response = client.get("/api/v1/directory", HTTP_AUTHORIZATION=f"Bearer {DEMO_TOKEN}")
    assert response.status_code == 200
    assert response.json()["services"]
