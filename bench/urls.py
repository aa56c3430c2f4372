"""The app's URLs plus one baseline endpoint that exists only in benchmark runs."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from deflection.urls import urlpatterns as app_urlpatterns
from referrals.models import Referral


@login_required
@require_POST
def baseline_insert(request):
    """The single INSERT a referral needs, behind the same middleware as the real form, and nothing else."""
    now = timezone.now()
    template = BASELINE_TEMPLATE
    Referral.objects.create(
        program_id=template["program_id"],
        participant_id=template["participant_id"],
        officer_id=request.user.pk,
        agency_id=template["agency_id"],
        provider_id=template["provider_id"],
        pathway="officer_referral",
        handoff="case_manager_followup",
        idempotency_key=uuid.uuid4(),
        form_opened_at=now,
        created_at=now,
        completion_seconds=0,
    )
    return HttpResponse(status=204)


# Filled in by bench.referrals before the server starts (through the environment).
BASELINE_TEMPLATE: dict = {}

urlpatterns = [path("bench/baseline-insert/", baseline_insert), *app_urlpatterns]


def _load_template() -> None:
    import json
    import os

    BASELINE_TEMPLATE.update(json.loads(os.environ.get("BENCH_BASELINE_TEMPLATE", "{}")))


_load_template()
