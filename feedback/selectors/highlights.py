"""Reads for research and data highlights."""

from __future__ import annotations

from django.db.models import QuerySet

from deflection.models import Program, User
from feedback import access
from feedback.models import (
    Highlight,
)

# --- Research highlights --------------------------------------------------------


def latest_highlights(program: Program, n: int = 3) -> QuerySet[Highlight]:
    """The program's n newest research and data items (the newsletter shows these)."""
    return Highlight.objects.filter(program=program).order_by("-created_at", "-id")[:n]


def highlights_for(user: User) -> QuerySet[Highlight]:
    return access.highlights_visible_to(user).select_related("program").order_by("-created_at", "-id")
