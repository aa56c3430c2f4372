"""Clocks that escalate (issue 12; DOMAIN.md "Clocks that programs report").

A clock (engine.Clock) says which of a program's items are past their deadline. Beat runs every clock
(registry.CLOCKS) for every program; an overdue item escalates once per level, first to the provider's
on-call case manager, then to the program's coordinators, in-app and by a link-only email:

    clock.overdue(program, now) -> engine.escalations_run -> Escalation (unique per clock, item, level)
                                                          -> EscalationNotice per recipient -> email task

A new workflow's clock (the overdose outreach clock, for one) is a Clock added to registry.CLOCKS.
"""
