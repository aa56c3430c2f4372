"""The reports sub-menu, built for the signed-in user from reports.access (one home for who sees what)."""

from django import template

from reports import access

register = template.Library()


@register.simple_tag(takes_context=True)
def report_subnav_links(context, program):
    return access.report_subnav(context["request"].user, program)
