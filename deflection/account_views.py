"""Pages for coordinators and administrators: locked and disabled accounts (SECURITY.md 11, 24),
and the Django admin's sign-in, which goes through allauth and its second factor (SECURITY.md 22)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from deflection import access, accounts
from deflection.audit import AuditContext
from deflection.models import Role, User


def admin_login(request):
    """/admin/login/ never signs anyone in itself: it sends them to allauth's sign-in, which
    asks for the second factor and counts failures toward the lockout."""
    target = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


def _get_account_for_manager(request, pk) -> User:
    return access.get_object_for_user(request, accounts.accounts_manageable_by(request.user), pk, "deflection.user")


@login_required
def locked_accounts(request):
    """Locked accounts and accounts disabled for being unused, with a button each."""
    if not access.is_administrator(request.user) and not access.agency_ids_with_role(request.user, Role.COORDINATOR):
        raise access.deny(request, "deflection.locked_accounts", "")
    return render(
        request,
        "deflection/locked_accounts.html",
        {
            "locked": accounts.locked_accounts_for(request.user),
            "disabled": accounts.disabled_accounts_for(request.user),
        },
    )


@login_required
@require_POST
def account_unlock(request, pk):
    account = _get_account_for_manager(request, pk)
    if accounts.account_unlock(by=request.user, account=account, audit=AuditContext.from_request(request)):
        messages.success(request, f"{account.username} is unlocked and can sign in again.")
    else:
        messages.info(request, f"{account.username} was not locked.")
    return redirect("locked_accounts")


@login_required
@require_POST
def account_reenable(request, pk):
    account = _get_account_for_manager(request, pk)
    if accounts.account_reenable(by=request.user, account=account, audit=AuditContext.from_request(request)):
        messages.success(request, f"{account.username} is enabled again.")
    else:
        messages.info(request, f"{account.username} was not disabled for being unused.")
    return redirect("locked_accounts")
