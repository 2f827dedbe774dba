"""One date format in messages and headings: "Mon 7 Dec 2026"."""

import datetime
import zoneinfo

from django.template import Context, Template

from clients.formatting import nice_date, nice_date_range

PERTH = zoneinfo.ZoneInfo("Australia/Perth")


def test_weekday_day_without_zero_month_year():
    assert nice_date(datetime.date(2026, 12, 7)) == "Mon 7 Dec 2026"
    assert nice_date(datetime.date(2027, 1, 31)) == "Sun 31 Jan 2027"


def test_an_aware_datetime_is_read_in_the_given_zone_or_the_current_one(settings):
    settings.TIME_ZONE = "Australia/Sydney"
    utc = datetime.datetime(2026, 12, 6, 15, 30, tzinfo=datetime.UTC)  # 02:30 Mon in Sydney
    assert nice_date(utc) == "Mon 7 Dec 2026"
    assert nice_date(utc, PERTH) == "Sun 6 Dec 2026"  # 23:30 Sunday in Perth


def test_range():
    assert nice_date_range(datetime.date(2026, 11, 16), datetime.date(2026, 11, 29)) == (
        "Mon 16 Nov 2026 – Sun 29 Nov 2026"
    )


def test_template_filter():
    html = Template("{% load dates %}{{ d|nice_date }}|{{ none|nice_date }}").render(
        Context({"d": datetime.date(2026, 12, 7), "none": None})
    )
    assert html == "Mon 7 Dec 2026|"
