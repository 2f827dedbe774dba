"""New Session on the live schedule: the session form with Recurrence, its preview, its
422s beside the field, series saved in one go, and the "Save and Roster" seam."""

import datetime
import re
import zoneinfo

import pytest
from django.http import HttpResponse
from django.urls import reverse

from scheduling import views as scheduling_views
from sessions_app.models import Session, SessionSeries
from tests.sessions_app.conftest import form_data, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
URL = reverse("scheduling:new_session")


def weekly_tue_thu(world, **overrides):  # noqa: F811
    """Tue 3 Nov 2026 09:00–11:00, weekly on Tue and Thu, 4 times."""
    data = form_data(world, **{
        "rec-repeat": "weekly", "rec-interval": "1", "rec-weekdays": ["1", "3"],
        "rec-ends": "count", "rec-count": "4", "rec-until": "",
        "rec-month_days": "3", "rec-nth": "1", "rec-nth_weekday": "1",
    })
    data.update(overrides)
    return data


def errors_beside(html: str, field_id: str) -> str:
    """The text of the field block `field-<id>` (its error list included)."""
    start = html.index(f'id="{field_id}"')
    return html[start:start + 3000]


def test_scheduling_offers_new_session(scheduler_client):
    page = scheduler_client.get(reverse("scheduling:live")).content.decode()
    assert f'href="{URL}"' in page and ">New Session<" in page


def test_new_session_is_the_session_form_with_recurrence_and_save_and_roster(
    scheduler_client, world  # noqa: F811
):
    page = scheduler_client.get(URL).content.decode()
    assert "<title>New Session" in page or "New Session</title>" in page
    assert '<h2 id="modal-title">New Session</h2>' in page
    assert "<legend>Recurrence</legend>" in page
    assert ">Save and Roster</button>" in page and ">Save</button>" in page
    assert "Does not repeat" in page
    for label in ["Work type", "Session type", "Start", "End", "Subject", "Site", "Region",
                  "Assets", "Clients", "Workers", "Planned services", "Session activities",
                  "Service types", "Comments", "Employee message", "Recurrence"]:
        assert f">{label}<" in page, label


def test_rosters_keep_their_form_without_recurrence(scheduler_client, world):  # noqa: F811
    url = reverse("rostering:base_roster_session_create", args=[world["roster"].pk])
    page = scheduler_client.get(url).content.decode()
    assert "Recurrence" not in page and "Save and Roster" not in page
    assert '<h2 id="modal-title">Roster Session</h2>' in page


def test_the_preview_refreshes_with_the_summary_and_the_dates(scheduler_client, world):  # noqa: F811
    data = weekly_tue_thu(world, _action="refresh")
    r = scheduler_client.post(URL, data, headers={"HX-Request": "true",
                                                  "HX-Trigger-Name": "rec-count"})
    assert r.status_code == 200
    html = r.content.decode()
    preview = html[html.index('id="recurrence-preview"'):]
    assert "Weekly on Tue and Thu, 4 times" in preview
    assert "4 sessions, the last on Thu 12 Nov 2026" in preview
    dates = re.findall(r"<li>([^<]+)</li>", preview[:preview.index("</ol>")])
    assert dates == ["Tue 3 Nov 2026 09:00–11:00", "Thu 5 Nov 2026 09:00–11:00",
                     "Tue 10 Nov 2026 09:00–11:00", "Thu 12 Nov 2026 09:00–11:00"]
    # The recurrence fields refresh the preview in place.
    assert 'hx-select-oob="#recurrence-preview"' in html
    assert 'hx-select-oob="#recurrence"' in html


def test_the_preview_works_without_javascript(scheduler_client, world):  # noqa: F811
    r = scheduler_client.post(URL, weekly_tue_thu(world, _action="refresh"))
    assert r.status_code == 200
    assert "<html" in r.content.decode()
    assert "Weekly on Tue and Thu, 4 times" in r.content.decode()


def test_a_preview_shows_problems_while_filling_in(scheduler_client, world):  # noqa: F811
    r = scheduler_client.post(URL, weekly_tue_thu(world, _action="refresh", **{
        "rec-weekdays": []}), headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "Choose at least one day of the week." in r.content.decode()


def test_changing_the_start_moves_the_default_choices_while_it_does_not_repeat(
    scheduler_client, world  # noqa: F811
):
    data = weekly_tue_thu(world, _action="refresh", start="2026-11-06T09:00",
                          end="2026-11-06T11:00", **{"rec-repeat": ""})
    html = scheduler_client.post(URL, data, headers={
        "HX-Request": "true", "HX-Trigger-Name": "start"}).content.decode()
    friday = re.search(r'<input[^>]*name="rec-weekdays"[^>]*value="4"[^>]*>', html).group(0)
    assert "checked" in friday
    assert 'name="rec-month_days" value="6"' in html


def test_save_makes_four_sessions_in_one_series(scheduler_client, world):  # noqa: F811
    r = scheduler_client.post(URL, weekly_tue_thu(world))
    assert r.status_code == 302
    assert r["Location"] == reverse("scheduling:live") + "?week=2026-11-03"
    series = SessionSeries.objects.get()
    sessions = list(series.sessions.all())
    assert [s.local_start.strftime("%a %d %H:%M") for s in sessions] == [
        "Tue 03 09:00", "Thu 05 09:00", "Tue 10 09:00", "Thu 12 09:00"]
    assert all(s.home == "live" and s.status == Session.Status.DRAFT for s in sessions)
    assert series.rule == "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4"
    assert series.created_by is not None
    page = scheduler_client.get(r["Location"]).content.decode()
    assert "saved: 4 sessions (Weekly on Tue and Thu, 4 times)" in page


def test_a_double_submit_makes_one_series(scheduler_client, world):  # noqa: F811
    data = weekly_tue_thu(world, form_token="6d0a4f0e-2f53-4b55-9a7e-0d4d6c3c9b11")
    scheduler_client.post(URL, data)
    scheduler_client.post(URL, data)
    assert SessionSeries.objects.count() == 1 and Session.objects.count() == 4


def test_does_not_repeat_saves_one_session(scheduler_client, world):  # noqa: F811
    r = scheduler_client.post(URL, weekly_tue_thu(world, **{"rec-repeat": ""}))
    assert r.status_code == 302
    assert Session.objects.count() == 1 and SessionSeries.objects.count() == 0


@pytest.mark.parametrize("overrides, field, message", [
    ({"rec-interval": "0"}, "field-rec-interval", "greater than or equal to 1"),
    ({"rec-interval": "53"}, "field-rec-interval", "Every 1 to 52 weeks."),
    ({"rec-interval": "99999999999999999999"}, "field-rec-interval", "less than or equal to"),
    ({"rec-interval": "two"}, "field-rec-interval", "Enter a whole number."),
    ({"rec-weekdays": []}, "field-rec-weekdays", "Choose at least one day of the week."),
    ({"rec-weekdays": ["9"]}, "field-rec-weekdays", "Choose days from Monday to Sunday."),
    ({"rec-weekdays": ["3"]}, "field-rec-weekdays", "a Tuesday: choose Tue"),
    ({"rec-count": "0"}, "field-rec-count", "Enter at least 1."),
    ({"rec-count": "367"}, "field-rec-count", "A series has at most 366 sessions."),
    ({"rec-count": "106"}, "field-rec-count", "at most a year"),  # Thu 4 Nov 2027
    ({"rec-count": ""}, "field-rec-count", "Give the number of times."),
    ({"rec-ends": "until", "rec-until": "2026-11-01"}, "field-rec-until",
     "before the first session"),
    ({"rec-ends": "until", "rec-until": "2026-13-45"}, "field-rec-until", "Enter a date."),
    ({"rec-ends": "until", "rec-until": "9999-01-01"}, "field-rec-until",
     "between 2000 and 2100"),
    ({"rec-ends": "until", "rec-until": "2027-12-01"}, "field-rec-until",
     "end it by Wed 3 Nov 2027"),
    ({"rec-ends": "until", "rec-until": ""}, "field-rec-until", "Give the end date."),
    ({"rec-repeat": "monthly_date", "rec-month_days": "32"}, "field-rec-month_days",
     "is not a day of the month"),
    ({"rec-repeat": "monthly_date", "rec-month_days": "5"}, "field-rec-month_days",
     "not on the 5th"),
    ({"rec-repeat": "monthly_weekday", "rec-nth": "2"}, "field-rec-nth", "2nd Tuesday"),
    ({"rec-repeat": "monthly_weekday", "rec-nth": "7"}, "field-rec-nth",
     "Select a valid choice"),
    ({"rec-repeat": "yearly"}, "field-rec-repeat", "Select a valid choice"),
])
def test_nonsense_recurrence_is_a_422_beside_the_field_and_saves_nothing(
    scheduler_client, world, overrides, field, message  # noqa: F811
):
    r = scheduler_client.post(URL, weekly_tue_thu(world, **overrides),
                              headers={"HX-Request": "true"})
    assert r.status_code == 422
    html = r.content.decode()
    assert message in errors_beside(html, field)
    assert "Nothing was saved" in html
    assert Session.objects.count() == 0 and SessionSeries.objects.count() == 0


def test_an_occurrence_that_does_not_fit_names_its_date_and_saves_nothing(
    scheduler_client, world  # noqa: F811
):
    agreement = world["ada_line"].agreement
    agreement.end_date = datetime.date(2026, 11, 9)
    agreement.save()
    r = scheduler_client.post(URL, weekly_tue_thu(world))
    assert r.status_code == 422
    html = r.content.decode()
    assert "Tue 10 Nov 2026: Ada Lovelace has no service agreement active" in html
    assert Session.objects.count() == 0 and SessionSeries.objects.count() == 0


# --- the "Save and Roster" seam ------------------------------------------------------------------
@pytest.fixture
def rostered(monkeypatch):
    """Replace the live schedule's after-save step with a recorder."""
    calls = []

    def fake(request, saved):
        calls.append((request.user, saved.session_ids, saved.series))
        return None

    monkeypatch.setattr(scheduling_views, "roster_saved", fake)
    return calls


def test_save_and_roster_hands_the_saved_series_to_the_after_save_step(
    scheduler_client, world, rostered  # noqa: F811
):
    r = scheduler_client.post(URL, weekly_tue_thu(world, _action="save_and_roster"))
    assert r.status_code == 302
    series = SessionSeries.objects.get()
    [(user, ids, got_series)] = rostered
    assert got_series == series
    assert ids == list(series.sessions.values_list("pk", flat=True))
    assert user.is_authenticated


def test_save_and_roster_of_a_single_session_hands_it_over(
    scheduler_client, world, rostered  # noqa: F811
):
    scheduler_client.post(URL, weekly_tue_thu(world, _action="save_and_roster",
                                              **{"rec-repeat": ""}))
    [(_, ids, series)] = rostered
    assert ids == [Session.objects.get().pk] and series is None


def test_save_alone_does_not_roster(scheduler_client, world, rostered):  # noqa: F811
    scheduler_client.post(URL, weekly_tue_thu(world))
    assert Session.objects.count() == 4 and rostered == []


def test_a_failed_save_does_not_roster(scheduler_client, world, rostered):  # noqa: F811
    r = scheduler_client.post(URL, weekly_tue_thu(world, _action="save_and_roster",
                                                  **{"rec-count": "0"}))
    assert r.status_code == 422 and rostered == []


def test_the_after_save_step_may_answer_itself(scheduler_client, world, monkeypatch):  # noqa: F811
    monkeypatch.setattr(scheduling_views, "roster_saved",
                        lambda request, saved: HttpResponse(f"job for {len(saved.sessions)}"))
    r = scheduler_client.post(URL, weekly_tue_thu(world, _action="save_and_roster"))
    assert r.content == b"job for 4"


def test_save_and_roster_rosters_the_series_and_shows_the_outcome(
    scheduler_client, world, django_capture_on_commit_callbacks, eager_celery  # noqa: F811
):
    with django_capture_on_commit_callbacks(execute=True):
        r = scheduler_client.post(URL, weekly_tue_thu(world, _action="save_and_roster"))
    assert r.status_code == 302 and "/scheduling/roster-jobs/" in r["Location"]
    assert list(Session.objects.values_list("status", flat=True)) == ["rostered"] * 4
    outcome = scheduler_client.get(r["Location"]).content.decode()
    assert outcome.count('data-result="rostered"') == 4


def test_save_only_keeps_the_series_draft(scheduler_client, world):  # noqa: F811
    r = scheduler_client.post(URL, weekly_tue_thu(world, _action="save"))
    assert r.status_code == 302
    assert set(Session.objects.values_list("status", flat=True)) == {"draft"}
