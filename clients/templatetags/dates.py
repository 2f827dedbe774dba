"""{% load dates %} … {{ period.start_date|nice_date }} → "Mon 16 Nov 2026"."""

from django import template

from clients.formatting import nice_date as _nice_date

register = template.Library()


@register.filter
def nice_date(value):
    """'Mon 7 Dec 2026'; empty for no date."""
    if not value:
        return ""
    return _nice_date(value)
