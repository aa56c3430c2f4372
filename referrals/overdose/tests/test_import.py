"""EMS / dispatch CSV import: every bad row reported with its line, the good rows saved together."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from referrals.overdose.models import FamilyFollowUp, OutreachCase, Overdose, OverdoseSource

pytestmark = pytest.mark.django_db

GOOD_AND_BAD = """incident_id,occurred_at,place,fatal,naloxone_doses,first_name,last_name,date_of_birth,phone,unit
EMS-1,2026-03-02 14:05,12 Mill Road,no,2,Hortensia,Vale,1990-04-01,555-0101,M3
EMS-2,2026-03-02 15:40,Bus station,yes,3,,,,,M3
EMS-3,yesterday,Park,no,1,,,,,M3
EMS-4,2026-03-03 01:10,,maybe,two,,,,,M3
EMS-5,2026-03-03 02:00,Library,no,0,,,,,M3
EMS-1,2026-03-03 02:30,Library,no,1,,,,,M3
EMS-6,2026-03-03 03:00,Library,no,1,Ann,,,,M3
"""


def _upload(client, user, program, content: bytes, name="ems.csv"):
    client.force_login(user)
    return client.post(reverse("overdose:import", args=[program.pk]), {"file": SimpleUploadedFile(name, content)})


def test_mixed_rows_save_the_good_ones_together_and_report_each_bad_line(client, qworld):
    response = _upload(client, qworld.coordinator, qworld.program, GOOD_AND_BAD.encode())
    assert response.status_code == 400
    result = response.context["result"]
    assert result.saved == 3 and result.ignored_columns == ["unit"]
    assert [problem.line for problem in result.errors] == [4, 5, 7, 8]
    page = response.content.decode()
    assert "Line 4: occurred_at &#x27;yesterday&#x27; is not a date and time" in page
    assert "Line 5: place is missing; fatal &#x27;maybe&#x27; is not yes or no" in page
    assert "Line 7: incident EMS-1 is also on line 2" in page
    assert set(Overdose.objects.values_list("external_ref", "source")) == {
        ("EMS-1", OverdoseSource.IMPORT),
        ("EMS-2", OverdoseSource.IMPORT),
        ("EMS-5", OverdoseSource.IMPORT),
    }
    first = Overdose.objects.get(external_ref="EMS-1")
    assert first.program.localtime(first.occurred_at).strftime("%Y-%m-%d %H:%M") == "2026-03-02 14:05"
    assert OutreachCase.objects.get().overdose == first  # the named, non-fatal survivor
    assert FamilyFollowUp.objects.get().overdose.external_ref == "EMS-2"


def test_uploading_the_same_file_again_adds_nothing(client, qworld):
    _upload(client, qworld.coordinator, qworld.program, GOOD_AND_BAD.encode())
    response = _upload(client, qworld.coordinator, qworld.program, GOOD_AND_BAD.encode())
    assert response.context["result"].saved == 0
    assert [problem.line for problem in response.context["result"].skipped] == [2, 3, 6, 7]
    assert Overdose.objects.count() == 3


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"\xff\xfe\x00binary", "not UTF-8"),
        (b"incident_id,place\nX,Y\n", "missing: occurred_at"),
        (b"incident_id,occurred_at,place,fatal,naloxone_doses\n", "no rows"),
        (b"incident_id,occurred_at,place,fatal,naloxone_doses,place\nA,2026-01-01 10:00,x,no,0,y\n", "twice"),
    ],
)
def test_an_unusable_file_saves_nothing_and_says_why(client, qworld, content, message):
    response = _upload(client, qworld.coordinator, qworld.program, content)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Overdose.objects.exists()


def test_import_is_for_the_programs_coordinators(client, qworld):
    response = _upload(client, qworld.case_manager, qworld.program, GOOD_AND_BAD.encode())
    assert response.status_code == 404 and not Overdose.objects.exists()
