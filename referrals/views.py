"""Officer and case-manager pages for referrals."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from deflection import access


@login_required
def officer_home(request):
    programs = access.programs_for(request.user).select_related("lead_agency").order_by("name")
    return render(request, "referrals/officer_home.html", {"programs": programs})


@login_required
def my_referrals(request):
    return render(request, "referrals/my_referrals.html", {"referrals": []})


@login_required
def queue(request):
    return render(request, "referrals/queue.html", {"referrals": []})
