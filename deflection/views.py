"""Program-wide pages: the role router, program admin, agency rosters, program settings.

The program page itself (/programs/<id>/) is referrals/program_views.py: it shows referral data.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from deflection import access
from deflection.audit import audit_log
from deflection.forms import ProgramSettingsForm
from deflection.models import Membership, Role

HOME_BY_ROLE = {
    Role.OFFICER: "referrals:officer_home",
    Role.DISPATCHER: "training:mine",
    Role.SUPERVISOR: "reports:dashboard",
    Role.CASE_MANAGER: "referrals:queue",
    Role.COMMAND: "reports:dashboard",
    Role.COORDINATOR: "program_admin",
    Role.ADMINISTRATOR: "program_admin",
}


@login_required
def home(request):
    """Send each role to its own home page."""
    role = request.user.primary_role
    if role is None and request.user.is_superuser:
        role = Role.ADMINISTRATOR
    if role is None:
        return render(request, "deflection/no_role.html", status=403)
    return redirect(HOME_BY_ROLE[role])


@login_required
def program_admin(request):
    programs = (
        access.programs_coordinated_by(request.user)
        .select_related("lead_agency")
        .annotate(partner_count=Count("partners", distinct=True))
        .order_by("name")
    )
    agencies = (
        access.agencies_for(request.user)
        .annotate(
            officer_count=Count("memberships", filter=Q(memberships__role=Role.OFFICER, memberships__is_active=True)),
            staff_count=Count("memberships", filter=Q(memberships__is_active=True)),
        )
        .order_by("name")
    )
    if not programs and not access.is_administrator(request.user):
        raise access.deny(request, "deflection.program_admin", "")
    return render(request, "deflection/program_admin.html", {"programs": programs, "agencies": agencies})


@login_required
@require_http_methods(["GET", "POST"])
def program_edit(request, pk):
    program = access.get_program_for_coordinator(request, pk)
    form = ProgramSettingsForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        program = form.save(commit=False)
        program.save(update_fields=form.changed_data)
        audit_log(action="program.update", request=request, obj=program, detail={"fields": form.changed_data})
        messages.success(request, "Program settings saved.")
        return redirect("program_detail", pk=program.pk)
    return render(request, "deflection/program_edit.html", {"program": program, "form": form}, status=400 if form.errors else 200)


@login_required
def agency_detail(request, pk):
    agency = access.get_agency_for_user(request, pk)
    members = access.memberships_visible_to(request.user, agency)
    units: dict[str, list[Membership]] = {}
    for membership in members:
        units.setdefault(membership.unit.name if membership.unit else "No unit", []).append(membership)
    return render(request, "deflection/agency_detail.html", {"agency": agency, "units": units})
