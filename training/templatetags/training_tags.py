"""Template helpers for training pages: compliance badge colours and percentages."""

from django import template

from training.models import ComplianceStatus

register = template.Library()

BADGE_CLASS = {
    ComplianceStatus.CURRENT: "text-bg-success",
    ComplianceStatus.DUE_SOON: "text-bg-warning",
    ComplianceStatus.OVERDUE: "text-bg-danger",
    ComplianceStatus.NEVER: "text-bg-secondary",
}


@register.filter
def badge_class(status: str) -> str:
    """The badge colour for a compliance status; the status is always written out too."""
    return BADGE_CLASS.get(status, "text-bg-light")


@register.filter
def percent(value) -> str:
    return "–" if value is None else f"{value}%"
