"""`{% period_validation_panel period %}`: the validation and publishing panel of a period page."""

from django import template

from rostering.validation_views import validation_panel_context

register = template.Library()


@register.inclusion_tag("rostering/_validation_panel.html", takes_context=True)
def period_validation_panel(context, period):
    return validation_panel_context(context["request"], period)


@register.filter
def num(value):
    """1234 -> '1,234'."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
