"""The program page (/programs/<id>/): goals, pathways, eligibility, partners and referral times.

It lives in referrals, not deflection, because it shows the eligibility checklist and how long
referrals take (DOMAIN.md: "referring easier than arrest and booking"); the root URLconf mounts it
beside deflection's program admin (referrals/program_urls.py).
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from deflection import access
from referrals.selectors import completion_times


@login_required
def program_detail(request, pk):
    program = access.get_program_for_user(request, pk)
    partners = program.partners.order_by("name")
    criteria = program.criteria.filter(is_active=True).order_by("position", "pk")
    return render(
        request,
        "deflection/program_detail.html",
        {"program": program, "partners": partners, "criteria": criteria, "times": completion_times(program)},
    )
