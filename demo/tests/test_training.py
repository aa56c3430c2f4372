"""The demo's training: 18 months of sessions, 70-90 % compliance, a few overdue, partner and peer speakers.
Safe to run twice."""

from datetime import timedelta

from django.utils import timezone

from deflection.models import User
from demo import foundation
from demo import training as demo
from training.access import ComplianceScope
from training.models import Attendance, ComplianceStatus, Course, InstructorKind, Session
from training.selectors import compliance_report, training_record


def test_demo_training_is_realistic_and_safe_to_run_twice(db):
    program = foundation.seed_foundation()
    summary = demo.seed(program)
    counts = (Course.objects.count(), Session.objects.count(), Attendance.objects.count())
    assert "8 courses" in summary
    demo.seed(program)
    assert (Course.objects.count(), Session.objects.count(), Attendance.objects.count()) == counts

    assert Course.objects.filter(program=program, is_core=True).count() == 4
    sessions = Session.objects.filter(course__program=program)
    assert sessions.order_by("starts_at").first().starts_at < timezone.now() - timedelta(days=500)
    assert sessions.filter(starts_at__gt=timezone.now()).exists()
    speakers = set(sessions.exclude(speaker_agency=None).values_list("speaker_agency__name", flat=True))
    assert speakers == {"Harbor Light Treatment Center", "Second Chance Recovery Coalition"}
    assert sessions.filter(instructor_kind=InstructorKind.LIVED_EXPERIENCE, speaker_anonymous=True, speaker_name="").exists()
    assert sessions.filter(instructor_kind=InstructorKind.LIVED_EXPERIENCE, speaker_anonymous=False).exists()

    report = compliance_report(program=program, scope=ComplianceScope())
    assert 70 <= report.total.people_rate <= 90
    overdue = [p for p in report.people if any(s.status == ComplianceStatus.OVERDUE for s in p.standings.values())]
    assert 2 <= len(overdue) <= 12
    assert report.command_attended_last_year >= 1

    # The demo officer has a naloxone refresher due soon and today's drop-in to check in to.
    officer = User.objects.get(username="officer")
    [record] = training_record(person=officer)
    naloxone = next(s for c, s in record.standings if c.title == "Naloxone administration")
    assert naloxone.status == ComplianceStatus.DUE_SOON
    assert sessions.filter(course__title="Naloxone administration", location__contains="drop-in").exists()
