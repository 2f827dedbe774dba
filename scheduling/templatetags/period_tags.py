"""`{% period_validation_panel period %}`: the validation and publishing panel of a period page."""

from django import template

register = template.Library()


@register.inclusion_tag("rostering/_validation_panel.html", takes_context=True)
def period_validation_panel(context, period):
    from scheduling.period_views import validation_panel_context

    return validation_panel_context(context["request"], period)


@register.filter
def num(value):
    """1234 -> '1,234'."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
