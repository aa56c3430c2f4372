"""The small page where a coordinator or administrator issues and revokes API clients."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from deflection import access as program_access
from deflection.audit import AuditContext
from deflection.models import Role
from referrals.api import services
from referrals.api.forms import ApiClientForm
from referrals.api.models import ApiClient, DirectoryPublication


def _manager_agencies(request):
    """Agencies whose clients the user manages: a coordinator's programs' agencies, or every agency for an administrator."""
    user = request.user
    if not (program_access.is_administrator(user) or user.has_role(Role.COORDINATOR)):
        raise program_access.deny(request, "referrals_api.apiclient", "")
    return program_access.agencies_for(user).order_by("name")


def get_client_for_manager(request, pk) -> ApiClient:
    queryset = ApiClient.objects.filter(agency__in=_manager_agencies(request))
    return program_access.get_object_for_user(request, queryset, pk, "referrals_api.apiclient")


@login_required
@require_http_methods(["GET", "POST"])
def clients(request):
    agencies = _manager_agencies(request)
    form = ApiClientForm(request.POST or None, agencies=agencies)
    token = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                client, token = services.api_client_create(
                    agency=form.cleaned_data["agency"],
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    expires_at=form.expires_at(),
                    created_by=request.user,
                    audit=AuditContext.from_request(request),
                )
            except IntegrityError:
                form.add_error("name", "This agency already has a client of that name.")
                status = 400
            else:
                form = ApiClientForm(agencies=agencies)
        else:
            status = 400
    rows = ApiClient.objects.filter(agency__in=agencies).select_related("agency").order_by("agency__name", "name")
    programs = list(program_access.programs_coordinated_by(request.user).order_by("name"))
    public = set(DirectoryPublication.objects.filter(program__in=programs, hsds_public=True).values_list("program_id", flat=True))
    # The token is in this one response only (never stored); no-store keeps it out of caches.
    response = render(
        request,
        "referrals_api/clients.html",
        {"form": form, "rows": rows, "token": token, "programs": [(p, p.pk in public) for p in programs]},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def client_revoke(request, pk):
    client = get_client_for_manager(request, pk)
    if services.api_client_revoke(client=client, by=request.user, audit=AuditContext.from_request(request)):
        messages.success(request, f"{client.name} revoked: its token stops working now.")
    return redirect("api_clients:list")


@login_required
@require_POST
def directory_publication(request, program_pk):
    program = program_access.get_program_for_coordinator(request, program_pk)
    public = request.POST.get("public") == "1"
    services.directory_publication_set(program=program, public=public, by=request.user, audit=AuditContext.from_request(request))
    messages.success(request, "The HSDS directory is now " + ("public." if public else "for token holders only."))
    return redirect("api_clients:list")
