"""Commendations: the lists an officer and a coordinator read (writing one: reports.services)."""

from __future__ import annotations

from deflection.models import Program, User
from reports.models import Commendation


def commendations_for_officer(officer: User):
    return Commendation.objects.filter(officer=officer).select_related("program", "written_by").order_by("-created_at")


def commendations_for_program(program: Program):
    return (
        Commendation.objects.filter(program=program).select_related("officer", "written_by", "marked_by").order_by("-created_at")
    )
