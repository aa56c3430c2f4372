"""Role-aware navigation for base.html, built from the role sets in deflection/roles.py."""

from django.urls import reverse

from deflection.access import is_administrator, programs_for
from deflection.models import Role
from deflection.roles import (
    COMPLIANCE_ROLES,
    DASHBOARD_ROLES,
    LEADERBOARD_ROLES,
    LETTER_ROLES,
    MY_REFERRALS_ROLES,
    REFERRING_ROLES,
    WORKFLOW_LINKS,
)


def _workflow_links(user, roles: set[str]) -> list[tuple[str, str]]:
    """Links to the workflows (QRT, co-responder, walk-in, HUB) that the user's programs run."""
    if not WORKFLOW_LINKS or not roles:
        return []
    if is_administrator(user):  # every program (programs_for); administrators are few, one query is fine
        running = set().union(*programs_for(user).values_list("program_types", flat=True))
    else:
        running = user.workflows_run()
    return [
        (label, reverse(url_name))
        for program_type, allowed, label, url_name in WORKFLOW_LINKS
        if program_type in running and (roles & allowed or is_administrator(user))
    ]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    roles = user.roles
    links = [("Home", reverse("home"))]
    if roles & REFERRING_ROLES:
        links.append(("New referral", reverse("referrals:new")))
    if roles & MY_REFERRALS_ROLES:
        links.append(("My referrals", reverse("referrals:mine")))
    if roles & REFERRING_ROLES:
        links.append(("Outcome feed", reverse("feedback:feed")))
    if roles & LETTER_ROLES:
        links.append(("Participant letters", reverse("feedback:letters")))
    if Role.CASE_MANAGER in roles:
        links.append(("Queue", reverse("referrals:queue")))
        links.append(("My tasks", reverse("referrals:tasks")))
    links.extend(_workflow_links(user, roles))
    links.append(("Treatment directory", reverse("referrals:directory")))
    if roles & DASHBOARD_ROLES:
        links.append(("Dashboard", reverse("reports:dashboard")))
    if roles & LEADERBOARD_ROLES or is_administrator(user):
        links.append(("Leaderboard", reverse("reports:leaderboard_home")))
    if roles & REFERRING_ROLES:
        links.append(("My commendations", reverse("reports:my_commendations")))
    links.append(("Newsletters", reverse("reports:newsletters_home")))
    links.append(("Training", reverse("training:mine")))
    if roles & COMPLIANCE_ROLES:
        links.append(("Training compliance", reverse("training:compliance_home")))
    links.append(("Suggestions", reverse("feedback:suggestions")))
    links.append(("Surveys", reverse("feedback:surveys")))
    links.append(("Research and data", reverse("feedback:highlights")))
    if Role.COORDINATOR in roles or is_administrator(user):
        links.append(("Program admin", reverse("program_admin")))
        links.append(("Locked and disabled accounts", reverse("locked_accounts")))
        links.append(("Audit review", reverse("audit_review")))
        links.append(("Break-glass review", reverse("referrals:break_glass_review")))
    if Role.COORDINATOR in roles:
        links.append(("Eligibility checklist", reverse("referrals:criteria")))
        links.append(("Justice partner queue", reverse("referrals:justice")))
        links.append(("Undelivered emails", reverse("referrals:failed_emails")))
    return {"nav_links": links, "primary_role_label": Role(user.primary_role).label if user.primary_role else ""}
