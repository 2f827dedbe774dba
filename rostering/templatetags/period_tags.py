"""`{% period_validation_panel period generating=… state=… %}`: the validation and publishing
panel of a period page (`generating`: whether the page's generation job is busy, and `state`:
the count and last change of its sessions, when the page knows them already)."""

from django import template

from rostering.validation_views import validation_panel_context

register = template.Library()


@register.inclusion_tag("rostering/_validation_panel.html", takes_context=True)
def period_validation_panel(context, period, generating=None, state=None):
    return validation_panel_context(
        context["request"], period, generating=generating, state=state
    )


@register.filter
def num(value):
    """1234 -> '1,234'."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
