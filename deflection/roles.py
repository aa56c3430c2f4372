"""The role sets: who may do what, defined once, for access checks and for the navigation alike.

A role is held per agency membership (`Membership.role`); these sets name the groups of roles that
the product treats alike. Access helpers in each app (`<app>/access.py`) and the menu
(`deflection/context_processors.py`) read them from here, so a page and its menu link cannot disagree.
"""

from __future__ import annotations

from deflection.models import ProgramType, Role

# Submit referrals, see their outcome feed, rank on the leaderboard, receive commendations.
# Fire/EMS responders hold the officer role.
REFERRING_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.COMMAND})

# Police roles: never given identified participant data in bulk (SECURITY.md 6). They also write
# suggestions (the checklist: include line officers in planning) and take the officer surveys.
POLICE_ROLES = frozenset({Role.OFFICER, Role.DISPATCHER, Role.SUPERVISOR, Role.COMMAND})
SUGGESTION_WRITER_ROLES = POLICE_ROLES

# "My referrals" in the menu: whoever refers. A dispatcher cannot refer, so is offered no referral link.
MY_REFERRALS_ROLES = REFERRING_ROLES

# Participant letters: case managers record them, coordinators review them.
LETTER_ROLES = frozenset({Role.CASE_MANAGER, Role.COORDINATOR})

# Aggregates about other people: the dashboard and training compliance.
OVERSIGHT_ROLES = frozenset({Role.SUPERVISOR, Role.COMMAND, Role.COORDINATOR, Role.ADMINISTRATOR})
DASHBOARD_ROLES = OVERSIGHT_ROLES
COMPLIANCE_ROLES = OVERSIGHT_ROLES

# Figures per named officer: the leaderboard and evaluation sheets.
LEADERBOARD_ROLES = frozenset({Role.COMMAND, Role.COORDINATOR, Role.ADMINISTRATOR})

# Commend officers (the checklist: incentives and public recognition come from command).
COMMENDING_ROLES = frozenset({Role.COMMAND})


# Program workflows (DOMAIN.md "Program types as workflows"): a menu link appears only for a user who
# holds one of the roles in a program that runs the workflow (Program.runs). Each workflow's package
# under referrals/ adds its line here: (program type, roles, label, URL name).
WORKFLOW_LINKS: list[tuple[str, frozenset[str], str, str]] = []

# Co-responder encounters (referrals/coresponder): the officer of the pair logs each call; command,
# supervisors and coordinators read the figures per unit.
CORESPONDER_LOG_ROLES = REFERRING_ROLES
CORESPONDER_FIGURES_ROLES = OVERSIGHT_ROLES
WORKFLOW_LINKS.append((ProgramType.CO_RESPONDER, CORESPONDER_LOG_ROLES, "Co-responder log", "coresponder:log"))
WORKFLOW_LINKS.append((ProgramType.CO_RESPONDER, CORESPONDER_FIGURES_ROLES, "Co-responder figures", "coresponder:figures"))

# HUB / situation table: who sits at a table for a member agency (presents situations, sees the
# de-identified records, and, for the lead and assisting agencies, the identity). Dispatchers do not.
# The table is chaired by the program's coordinators (deflection.access.coordinates).
HUB_TABLE_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.COMMAND, Role.CASE_MANAGER, Role.COORDINATOR})
WORKFLOW_LINKS.append((ProgramType.HUB, HUB_TABLE_ROLES, "Situation tables", "hub:home"))

# Post-overdose outreach (referrals/overdose): responders record overdoses and hand out kits; the team works the queue.
OVERDOSE_RECORDING_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.COMMAND, Role.CASE_MANAGER, Role.COORDINATOR})
OUTREACH_TEAM_ROLES = frozenset({Role.CASE_MANAGER, Role.COORDINATOR})
WORKFLOW_LINKS.append((ProgramType.QUICK_RESPONSE_TEAM, OVERDOSE_RECORDING_ROLES, "Record an overdose", "overdose:new"))
WORKFLOW_LINKS.append((ProgramType.QUICK_RESPONSE_TEAM, OUTREACH_TEAM_ROLES, "Outreach queue", "overdose:queue"))
WORKFLOW_LINKS.append((ProgramType.QUICK_RESPONSE_TEAM, OVERDOSE_RECORDING_ROLES, "Naloxone ledger", "overdose:naloxone"))

# Walk-in (Angel) intake (referrals/walkin): whoever is on duty at a station (front desk, dispatcher,
# officer, supervisor, command) starts the intake; the program's on-call volunteers ("angels", peers),
# who are case managers or coordinators of its agencies, take it to placement; oversight reads the figures.
WALKIN_INTAKE_ROLES = POLICE_ROLES
WALKIN_VOLUNTEER_ROLES = frozenset({Role.CASE_MANAGER, Role.COORDINATOR})
WALKIN_FIGURES_ROLES = OVERSIGHT_ROLES
WORKFLOW_LINKS.append((ProgramType.WALK_IN, WALKIN_INTAKE_ROLES, "Walk-in intake", "walkin:start"))
WORKFLOW_LINKS.append((ProgramType.WALK_IN, WALKIN_VOLUNTEER_ROLES, "Walk-ins waiting", "walkin:board"))
WORKFLOW_LINKS.append((ProgramType.WALK_IN, WALKIN_FIGURES_ROLES, "Walk-in figures", "walkin:figures"))
