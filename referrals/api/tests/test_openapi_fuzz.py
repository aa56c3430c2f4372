"""Schemathesis against the OpenAPI document on a live server: every operation, valid and hostile inputs.

No response may be a 5xx, and every response (status, content type, body) must match the document.
The example count is kept modest so the whole run takes about a minute.
"""

import uuid

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from deflection.models import ProgramType
from referrals.api.models import ApiClient
from referrals.api.tests.conftest import badge, make_token
from referrals.api.v1 import api

EXAMPLES = 8  # per operation and generation mode: about a minute for the whole run
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Every operation of the document, read in-process so that each is its own test item.
OPERATIONS = [
    (method.upper(), path)
    for path, methods in api.get_openapi_schema(path_prefix="/api/v1")["paths"].items()
    for method in methods
]


def _reach_the_form(case, world):
    """Generated bodies with a real badge and idempotency key, so valid input gets past the look-ups to the form."""
    if isinstance(case.body, dict) and "badge_number" in case.body:
        case.body["badge_number"] = badge(world.officer, world.police)
        case.headers = {**(case.headers or {}), "Idempotency-Key": str(uuid.uuid4())}
    if case.query and "badge_number" in case.query:
        case.query["badge_number"] = badge(world.officer, world.police)
    return case


def test_every_operation_answers_generated_input_without_a_5xx_and_as_documented(live_server, rworld):
    # One test for all operations: one live server, one program, one database flush (the slow part).
    rworld.program.program_types = [*rworld.program.program_types, ProgramType.QUICK_RESPONSE_TEAM]  # POST /overdoses
    rworld.program.save(update_fields=["program_types"])
    token = make_token(rworld, rworld.police)
    ApiClient.objects.update(rate_limit_per_minute=1_000_000)  # the fuzzer is not what the limit is for
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    calls: dict[tuple, list[int]] = {}
    for method, path in OPERATIONS:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            strategy = schema[path][method].as_strategy(generation_mode=mode)
            if mode == schemathesis.GenerationMode.POSITIVE:
                strategy = strategy.map(lambda case: _reach_the_form(case, rworld))

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,  # the same inputs every run: a failure is reproducible
                database=None,
                suppress_health_check=list(HealthCheck),
                print_blob=False,
            )
            def call(case):
                # Our token on every call: generated junk goes everywhere else (body, query, path, other headers).
                case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
                response = case.call_and_validate(
                    base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
                )
                calls.setdefault((case.operation.method, case.operation.path, case.meta.generation.mode), []).append(
                    response.status_code
                )

            call()
    assert {(m.upper(), p) for m, p, _mode in calls} == set(OPERATIONS), "schemathesis left an operation out"
