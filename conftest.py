"""Shared fixtures: a small program with named personas, one per role."""

import asyncio
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls
# from that thread are still synchronous, so the async-safety guard must be off.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).parent / "test-artifacts"

from deflection.models import AgencyKind, Role
from deflection.tests.factories import (
    TEST_PASSWORD,
    AgencyFactory,
    MembershipFactory,
    ProgramFactory,
    UnitFactory,
    UserFactory,
)


@dataclass
class World:
    """A program led by a police department, with a sheriff's office, a provider and one person per role."""

    program: object
    police: object
    sheriff: object
    provider: object
    other_program: object
    outsider_agency: object
    officer: object
    other_officer: object
    deputy: object
    dispatcher: object
    supervisor: object
    command: object
    case_manager: object
    coordinator: object
    administrator: object
    outsider: object
    password: str = TEST_PASSWORD


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker in this process (celery.contrib.testing), on the tests' own Redis db."""
    from celery.contrib.testing.worker import start_worker

    from deflection.celery import app

    app.control.purge()  # nothing left over from another test
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.fixture
def finished_tasks():
    """Names of the tasks the worker finished during the test, in order."""
    import threading

    from celery.signals import task_postrun

    names, lock = [], threading.Lock()

    def record(sender=None, **_kwargs):
        if sender is not None:
            with lock:
                names.append(sender.name)

    task_postrun.connect(record, weak=False)
    yield names
    task_postrun.disconnect(record)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (rate limits, heartbeats) in the tests' own Redis db."""
    from django.core.cache import cache

    from deflection import cache as resilient_cache
    from deflection import outbox

    # A test that pointed Redis at a dead port leaves its process's circuits open; the next test starts closed.
    resilient_cache.circuit.reset()
    resilient_cache._local.clear()
    resilient_cache._missed_deletes.clear()
    outbox.broker_circuit.reset()
    cache.clear()


# Distinctive names: tests check that pages, PDFs and emails never show a persona's name, and a random
# short name ("Tran", "Hall") can turn up inside ordinary words ("Transport").
PERSONA_NAMES = {
    "officer": ("Bartholomew", "Quillfeather"),
    "officer2": ("Philippa", "Thistlewood"),
    "deputy": ("Cornelius", "Ravensworth"),
    "dispatcher": ("Eudora", "Pennywhistle"),
    "sergeant": ("Lysander", "Fairbrook"),
    "command": ("Octavia", "Stormhaven"),
    "casemanager": ("Perpetua", "Wintergreen"),
    "coordinator": ("Mortimer", "Hollowell"),
    "admin": ("Seraphina", "Blackwood"),
    "outsider": ("Ignatius", "Crumplehorn"),
}


def _member(username, agency, role, **extra):
    first, last = PERSONA_NAMES[username]
    user = UserFactory(username=username, first_name=first, last_name=last)
    MembershipFactory(user=user, agency=agency, role=role, **extra)
    return user


@pytest.fixture
def world(db):
    police = AgencyFactory(name="Riverside PD", kind=AgencyKind.POLICE)
    sheriff = AgencyFactory(name="County Sheriff", kind=AgencyKind.SHERIFF)
    provider = AgencyFactory(name="Harbor Light", kind=AgencyKind.TREATMENT)
    program = ProgramFactory(name="County Deflection", lead_agency=police)
    program.partners.set([sheriff, provider])
    outsider_agency = AgencyFactory(name="Elsewhere PD", kind=AgencyKind.POLICE)
    other_program = ProgramFactory(name="Elsewhere Program", lead_agency=outsider_agency)
    district = UnitFactory(agency=police, name="District 1")
    return World(
        program=program,
        police=police,
        sheriff=sheriff,
        provider=provider,
        other_program=other_program,
        outsider_agency=outsider_agency,
        officer=_member("officer", police, Role.OFFICER, unit=district),
        other_officer=_member("officer2", police, Role.OFFICER, unit=district),
        deputy=_member("deputy", sheriff, Role.OFFICER, badge_number="S-1"),
        dispatcher=_member("dispatcher", police, Role.DISPATCHER, badge_number=""),
        supervisor=_member("sergeant", police, Role.SUPERVISOR, unit=district),
        command=_member("command", police, Role.COMMAND),
        case_manager=_member("casemanager", provider, Role.CASE_MANAGER, badge_number=""),
        coordinator=_member("coordinator", police, Role.COORDINATOR, badge_number=""),
        administrator=_member("admin", police, Role.ADMINISTRATOR, badge_number=""),
        outsider=_member("outsider", outsider_agency, Role.OFFICER),
    )


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright. A missing browser fails the run; it never skips."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser, live_server, request):
    """A fresh phone-sized browser context (390 x 844) pointed at the live server."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    # SECURITY.md 15: a page that trips the Content-Security-Policy (an inline script or style
    # without the nonce) fails the test that opened it.
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda message: csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    assert not csp_violations, f"Content-Security-Policy violations: {csp_violations}"
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def browser_login(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


class SmtpInbox:
    """What the real SMTP server on 127.0.0.1 received (`messages`: aiosmtpd envelopes), and the faults it
    plays on request, so that every test that sends mail, the fault suite included, uses this one server.

    - `hang_after = n`: leave the RCPT after the n-th message unanswered until it is set back to None (a
      server that stalls mid-send; `hanging` turns True once a client waits on it).
    - `replies = ["421 try later", ...]`: answer the next messages' DATA with these, in order, before
      accepting again (`refused` records them).
    - `hold_next = True`: hold the next message's DATA unanswered until `released` is set, then refuse it,
      so it was never delivered: the sender was killed before the 250 (`dropped` has its recipients).
    """

    def __init__(self):
        self.messages = []
        self.port = 0
        self.hang_after: int | None = None
        self.hanging = False
        self.replies: list[str] = []
        self.refused: list[str] = []
        self.lock = threading.Lock()
        self.hold_next = False
        self.holding = False
        self.released = False
        self.dropped: list[list[str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802  (aiosmtpd's hook)
        while self.hang_after is not None and len(self.messages) >= self.hang_after:
            self.hanging = True
            await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.hold_next:
            self.hold_next = False
            self.holding = True
            self.dropped.append(list(envelope.rcpt_tos))  # never accepted: no 250 is ever sent for it
            while not self.released:
                await asyncio.sleep(0.05)
            return "451 4.3.0 the sender went away"
        with self.lock:
            if self.replies:
                reply = self.replies.pop(0)
                self.refused.append(reply)
                return reply
            self.messages.append(envelope)
        return "250 OK"

    def to(self, address: str) -> int:
        """How many accepted messages were addressed to `address`."""
        with self.lock:
            return sum(address in envelope.rcpt_tos for envelope in self.messages)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """The one SMTP-server fixture: a real aiosmtpd server on 127.0.0.1, with Django's mail sent to it.

    Worker processes are pointed at `smtp_server.port` through their EMAIL_URL.
    """
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    inbox.hang_after = None
    controller.stop()
