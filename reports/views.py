"""Command-staff dashboard."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render

from deflection import access
from deflection.models import Role

DASHBOARD_ROLES = (Role.COMMAND, Role.SUPERVISOR, Role.COORDINATOR, Role.ADMINISTRATOR)


@login_required
def dashboard(request):
    if not (request.user.has_role(*DASHBOARD_ROLES) or access.is_administrator(request.user)):
        raise access.deny(request, "reports.dashboard", "")
    agencies = (
        access.agencies_for(request.user)
        .filter(kind__in=["police", "sheriff", "fire_ems"])
        .annotate(
            officers=Count("memberships", filter=Q(memberships__role=Role.OFFICER, memberships__is_active=True))
        )
        .order_by("name")
    )
    return render(request, "reports/dashboard.html", {"agencies": agencies})
