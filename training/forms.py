"""Forms for courses, sessions, the roster and the attendance CSV upload.

Session times are typed in the program's time zone: views validate these forms
inside `timezone.override(program tz)`, so Django makes the naive input aware there.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import Q

from deflection.models import AgencyKind, Program, User
from training.models import REQUIRABLE_ROLES, Course, InstructorKind, Session
from training.services import IMPORT_MAX_BYTES

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CourseForm(forms.ModelForm):
    required_roles = forms.MultipleChoiceField(
        choices=[(r.value, r.label) for r in REQUIRABLE_ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Everyone with one of these roles in the program must take this course.",
    )

    class Meta:
        model = Course
        fields = [
            "title",
            "description",
            "objectives",
            "duration_minutes",
            "required_roles",
            "refresher_months",
            "is_core",
            "teaches_naloxone",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "objectives": forms.Textarea(attrs={"rows": 4})}
        labels = {
            "duration_minutes": "Duration (minutes)",
            "refresher_months": "Refresher every (months)",
            "is_core": "Core curriculum",
            "teaches_naloxone": "Naloxone training",
            "is_active": "Active",
        }

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        clash = Course.objects.filter(program=self.program, title__iexact=title).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("This program already has a course with this title.")
        return title


class SessionForm(forms.ModelForm):
    video_url = forms.URLField(required=False, assume_scheme="https", label="Video link", help_text="If the session is online.")
    ends_at = forms.DateTimeField(
        required=False,
        widget=DATETIME_INPUT,
        label="Ends at",
        help_text="Leave empty to use the course's duration.",
    )

    class Meta:
        model = Session
        fields = [
            "starts_at",
            "ends_at",
            "location",
            "video_url",
            "capacity",
            "instructor_kind",
            "host",
            "speaker_agency",
            "speaker_name",
            "speaker_anonymous",
        ]
        widgets = {"starts_at": DATETIME_INPUT}
        labels = {
            "starts_at": "Starts at",
            "instructor_kind": "Instructor",
            "host": "Staff instructor or host",
            "speaker_agency": "Speaker's agency",
            "speaker_name": "Speaker's name",
            "speaker_anonymous": "The speaker chose to stay anonymous",
        }

    def __init__(self, *args, course: Course, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course
        agency_ids = course.program.agency_ids()
        self.fields["starts_at"].help_text = f"In the program's time zone ({course.program.time_zone})."
        self.fields["host"].queryset = (
            User.objects.filter(memberships__agency_id__in=agency_ids, memberships__is_active=True, is_active=True)
            .distinct()
            .order_by("last_name", "first_name")
        )
        self.fields["host"].help_text = "Required for a staff instructor; for a guest speaker, who hosts and takes the roster."
        self.fields["speaker_agency"].queryset = course.program.partners.filter(
            Q(kind__in=AgencyKind.providers()) | Q(kind=AgencyKind.PROSECUTOR)
        ).order_by("name")

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and not ends_at:
            data["ends_at"] = starts_at + timedelta(minutes=self.course.duration_minutes)
        elif starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The session must end after it starts.")
        if not data.get("location") and not data.get("video_url"):
            self.add_error("location", "Give a place, a video link, or both.")
        kind = data.get("instructor_kind")
        name = (data.get("speaker_name") or "").strip()
        data["speaker_name"] = name
        if kind == InstructorKind.STAFF:
            if not data.get("host"):
                self.add_error("host", "Choose the staff member who teaches the session.")
            data["speaker_agency"], data["speaker_name"], data["speaker_anonymous"] = None, "", False
        elif kind == InstructorKind.PARTNER:
            if not data.get("speaker_agency"):
                self.add_error("speaker_agency", "Choose the partner agency the speaker comes from.")
            if not name:
                self.add_error("speaker_name", "Give the speaker's name.")
            data["speaker_anonymous"] = False
        elif kind == InstructorKind.LIVED_EXPERIENCE:
            if data.get("speaker_anonymous") and name:
                self.add_error("speaker_name", "Leave the name empty for a speaker who chose to stay anonymous.")
            elif not data.get("speaker_anonymous") and not name:
                self.add_error("speaker_name", "Give the speaker's name, or tick that they chose to stay anonymous.")
        return data


class AttendanceImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "Columns: session_id, session_date (YYYY-MM-DD), username. UTF-8, up to 1 MB. "
            "Rows already recorded are skipped, so uploading a corrected file again is safe."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {IMPORT_MAX_BYTES // 1_000_000} MB; split it into smaller files."
            )
        return upload
