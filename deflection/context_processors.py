"""Role-aware navigation for base.html."""

from django.urls import reverse

from deflection.access import is_administrator
from deflection.models import Role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    roles = user.roles
    links = [("Home", reverse("home"))]
    if roles & {Role.OFFICER, Role.SUPERVISOR, Role.COMMAND}:
        links.append(("New referral", reverse("referrals:new")))
    if roles & {Role.OFFICER, Role.DISPATCHER, Role.SUPERVISOR}:
        links.append(("My referrals", reverse("referrals:mine")))
    if roles & {Role.OFFICER, Role.SUPERVISOR, Role.COMMAND}:
        links.append(("Outcome feed", reverse("feedback:feed")))
    if roles & {Role.CASE_MANAGER, Role.COORDINATOR}:
        links.append(("Participant letters", reverse("feedback:letters")))
    if Role.CASE_MANAGER in roles:
        links.append(("Queue", reverse("referrals:queue")))
        links.append(("My tasks", reverse("referrals:tasks")))
    links.append(("Treatment directory", reverse("referrals:directory")))
    if roles & {Role.COMMAND, Role.SUPERVISOR, Role.COORDINATOR, Role.ADMINISTRATOR}:
        links.append(("Dashboard", reverse("reports:dashboard")))
    if roles & {Role.COMMAND, Role.COORDINATOR, Role.ADMINISTRATOR} or is_administrator(user):
        links.append(("Leaderboard", reverse("reports:leaderboard_home")))
    if roles & {Role.OFFICER, Role.SUPERVISOR, Role.COMMAND}:
        links.append(("My commendations", reverse("reports:my_commendations")))
    links.append(("Newsletters", reverse("reports:newsletters_home")))
    links.append(("Training", reverse("training:mine")))
    if roles & {Role.SUPERVISOR, Role.COMMAND, Role.COORDINATOR, Role.ADMINISTRATOR}:
        links.append(("Training compliance", reverse("training:compliance_home")))
    links.append(("Suggestions", reverse("feedback:suggestions")))
    links.append(("Surveys", reverse("feedback:surveys")))
    links.append(("Research and data", reverse("feedback:highlights")))
    if Role.COORDINATOR in roles or is_administrator(user):
        links.append(("Program admin", reverse("program_admin")))
    if Role.COORDINATOR in roles:
        links.append(("Eligibility checklist", reverse("referrals:criteria")))
        links.append(("Justice partner queue", reverse("referrals:justice")))
        links.append(("Undelivered emails", reverse("referrals:failed_emails")))
    return {"nav_links": links, "primary_role_label": Role(user.primary_role).label if user.primary_role else ""}
