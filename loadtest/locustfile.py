"""The load test's users: schedulers and coordinators on the live schedule, over HTTP only.

Run by `loadtest/run.sh` (`make load`), which starts the server on loopback first:

    locust -f loadtest/locustfile.py --headless -u 20 -r 1 -t 80s --host http://127.0.0.1:PORT

Each user logs in with a demo login (scheduler/scheduler, coordinator/coordinator: the demo's
`seed_demo` makes them), picks one site and its region — the schedule a person keeps open —
and then, with 1–3 s of thinking between actions:

* browses the live schedule: the week by worker, a day of the region, filters (region, site,
  status), rows by client or site, the next page, the next week (`/scheduling/`);
* opens a session from the board in the modal (an htmx GET of `/sessions/<pk>/edit/`);
* searches with the launcher (`/scheduling/launcher/?q=…`);
* schedulers only: New Session → a client → a worker → Save and Roster, posting the form as a
  browser does without JavaScript (every field of the page as shown, the management forms,
  the one-time form token), then following the job's progress until it is over;
* coordinators only (one region: the demo coordinator's): the session menu (right click on a
  block of the region's board) → Modify Workers, Modify Session Times or View History; 40% of
  the Modify modals opened are saved — a free and qualified worker added, or the times moved
  15 minutes, with the version the modal was opened on. A 409 (someone saved the session
  since) or a 422 (refused: a clash, a rule) is an answer a person gets, not a failure: they
  are counted apart (OUTCOMES) and printed by run.sh.

New sessions all go into a few time slots and to the first free workers a search shows, so
schedulers race each other for the same worker at the same time: the run checks afterwards that
nobody was rostered twice at once.

This module imports no part of the application (HTTP only); its parsing helpers are plain
functions over HTML, tested in tests/demo/test_loadtest_parsing.py.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import random
import re
import sys
import time
from html.parser import HTMLParser

# --- parsing helpers (no network, no locust) -----------------------------------------------------

SESSION_ID = re.compile(r'data-session-id="(\d+)"')
CSRF_INPUT = re.compile(
    r'<input[^>]*name="csrfmiddlewaretoken"[^>]*value="([^"]+)"|'
    r'<input[^>]*value="([^"]+)"[^>]*name="csrfmiddlewaretoken"'
)
ROSTER_JOB = re.compile(r"/scheduling/roster-jobs/(\d+)/")
ANY_FORM = "*"  # parse_form: every control of the page, as if it were one form


def session_ids(html: str) -> list[int]:
    """The sessions shown on a board page (each block's `data-session-id`), in page order,
    each once."""
    return list(dict.fromkeys(int(pk) for pk in SESSION_ID.findall(html)))


def csrf_token(html: str) -> str | None:
    """The CSRF token of the first form on the page."""
    found = CSRF_INPUT.search(html)
    return (found.group(1) or found.group(2)) if found else None


class _FormParser(HTMLParser):
    """What a browser would submit: the successful controls of one form (inputs but buttons,
    checked boxes only, each select's selected options, textareas), plus every <select>'s
    options and every button's (name, value)."""

    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.depth = 0  # inside the wanted <form> when > 0
        self.done = False
        self.fields: list[tuple[str, str]] = []
        self.options: dict[str, list[tuple[str, str]]] = {}
        self.buttons: list[tuple[str, str, str]] = []  # (name, value, text)
        self._select: str | None = None
        self._select_multiple = False
        self._select_chosen: list[str] = []
        self._option: dict | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._button: tuple[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and self.form_id == ANY_FORM:
            return
        if tag == "form" and not self.done:
            if self.depth or self.form_id is None or a.get("id") == self.form_id:
                self.depth += 1
            return
        if not self.depth:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                if kind == "submit":
                    self.buttons.append((name, a.get("value", ""), ""))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            else:
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name and "disabled" not in a:
            self._select, self._select_multiple = name, "multiple" in a
            self._select_chosen = []
            self.options.setdefault(name, [])
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a}
            self._text = []
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "button" and name:
            self._button, self._text = (name, a.get("value", "")), []

    def handle_data(self, data):
        if self._option is not None or self._textarea is not None or self._button is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.depth and self.form_id != ANY_FORM:
            self.depth -= 1
            self.done = self.depth == 0
            return
        if tag == "option" and self._option is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            if self._option is not None:
                self._close_option()
            options = self.options[self._select]
            chosen = self._select_chosen
            if not chosen and not self._select_multiple and options:
                chosen = [options[0][0]]  # a single select submits its first option
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None
        elif tag == "button" and self._button is not None:
            self.buttons.append((*self._button, " ".join("".join(self._text).split())))
            self._button = None

    def _close_option(self):
        text = " ".join("".join(self._text).split())
        value = self._option["value"] if self._option["value"] is not None else text
        self.options[self._select].append((value, text))
        if self._option["selected"]:
            self._select_chosen.append(value)
        self._option = None


def parse_form(html: str, form_id: str | None = None) -> _FormParser:
    """Parse one form of `html`: by id; the first form when None (a fragment without a <form>
    tag counts as one); the whole page as one form when ANY_FORM."""
    parser = _FormParser(form_id)
    if form_id == ANY_FORM or (form_id is None and "<form" not in html):
        parser.depth = 1
    parser.feed(html)
    parser.close()
    return parser


def form_fields(html: str, form_id: str | None = None) -> list[tuple[str, str]]:
    """The (name, value) pairs a browser would post for that form, buttons left out."""
    return parse_form(html, form_id).fields


def select_options(html: str, name: str) -> list[tuple[str, str]]:
    """(value, label) of each option of the first <select name=…> of the page, the empty
    choice left out. Only that <select> is parsed (a board page is hundreds of KB)."""
    found = re.search(rf'<select[^>]*\bname="{re.escape(name)}".*?</select>', html, re.S)
    if not found:
        return []
    return [(v, t) for v, t in parse_form(found.group(0), ANY_FORM).options.get(name, []) if v]


def button_values(html: str, name: str) -> list[str]:
    """The values of the submit buttons called `name` (e.g. add_client in a results list)."""
    return [v for n, v, _ in parse_form(html, ANY_FORM).buttons if n == name and v]


WORKER_RESULT = re.compile(
    r'<li><button type="submit" name="add_worker" value="(\d+)"[^>]*>.*?</button>(.*?)</li>',
    re.S,
)


def free_workers(html: str) -> list[int]:
    """The workers of a worker search (`/sessions/options/workers/`) a scheduler would pick:
    first those shown with no badge at all (of the region, qualified, available), then those
    with warnings only; none with a problem (red badge: not active that day)."""
    found = WORKER_RESULT.findall(html)
    clear = [int(pk) for pk, after in found if "badge" not in after]
    warned = [int(pk) for pk, after in found if "badge" in after and "badge-error" not in after]
    return clear + warned


def with_values(fields: list[tuple[str, str]], **values) -> list[tuple[str, str]]:
    """`fields` with each named field's value(s) replaced (a list for several), or added."""
    out = [(n, v) for n, v in fields if n not in values]
    for name, value in values.items():
        for v in value if isinstance(value, list | tuple) else [value]:
            out.append((name, str(v)))
    return out


MENU_ITEM = re.compile(r'<a role="menuitem"[^>]*>')
ATTR = re.compile(r'([\w-]+)="([^"]*)"')
CANDIDATE = re.compile(
    r'<li class="candidate([^"]*)">\s*<label class="check"><input type="checkbox" name="add" '
    r'value="(\d+)"'
)
TIME_FORMAT = "%Y-%m-%dT%H:%M"  # a datetime-local input's value


def menu_links(html: str) -> dict[str, str]:
    """The session menu's items that apply (key → URL: workers, times, history …); an item
    that is off has no link (it says why beside it)."""
    links = {}
    for tag in MENU_ITEM.findall(html):
        a = dict(ATTR.findall(tag))
        if a.get("href") and a.get("data-menu-item") and a.get("aria-disabled") != "true":
            links[a["data-menu-item"]] = a["href"]
    return links


def free_candidates(html: str) -> list[int]:
    """The workers Modify Workers offers as free and qualified (no warning, no problem)."""
    return [int(pk) for css, pk in CANDIDATE.findall(html) if not css.strip()]


def shifted_times(fields: list[tuple[str, str]], minutes: int) -> dict[str, str] | None:
    """Modify Session Times' start and end moved by `minutes`, as typed into the form; None
    when the form shows no times."""
    values = dict(fields)
    try:
        start = datetime.datetime.strptime(values.get("start", ""), TIME_FORMAT)
        end = datetime.datetime.strptime(values.get("end", ""), TIME_FORMAT)
    except ValueError:
        return None
    delta = datetime.timedelta(minutes=minutes)
    return {"start": (start + delta).strftime(TIME_FORMAT),
            "end": (end + delta).strftime(TIME_FORMAT)}


def roster_job_id(url_or_html: str) -> int | None:
    found = ROSTER_JOB.search(url_or_html)
    return int(found.group(1)) if found else None


def roster_polling(html: str) -> bool:
    """Whether the Save and Roster outcome still polls (the job is busy)."""
    return 'hx-trigger="every 1s"' in html


# --- the users ---------------------------------------------------------------------------------

# Locust is imported only when it runs this file (it has imported itself by then): importing
# it monkey-patches the standard library for gevent, which the test of the helpers above
# (tests/demo/test_loadtest_parsing.py, under Django's test runner) must not get.
if "locust" in sys.modules:
    from locust import HttpUser, between, events, task
else:
    HttpUser = None

HTMX = {"HX-Request": "true"}
# New sessions go into these slots on the next few days, so schedulers compete for workers.
# The afternoon is when the seeded week leaves most workers free; overlapping slots make
# schedulers race for the same worker.
SLOTS = (("16:00", "18:00"), ("17:00", "19:00"), ("18:00", "19:30"))
WORKER_SEARCHES = ("an", "el", "ar", "ri")
LAUNCHER_SEARCHES = ("ma", "sm", "jo", "west", "group", "lee", "chr", "an")
SAVE_DAYS = 3  # New Session dates: tomorrow and the days after
MENU_SAVE_SHARE = 0.4  # of the Modify Workers / Modify Session Times modals opened: saved
MENU_PARTS = ("workers", "times", "history")


# Every request's (name, milliseconds, ok, seconds since the run began), the modal saves'
# outcomes and when the last user was started, written to $LOAD_RAW when locust quits: run.sh
# reads exact percentiles from it, also of a part of the requests (locust's CSV rounds them).
SIGN_IN = ("login page", "login", "schedule: week", "schedule: region week")
RAW: list[tuple[str, float, bool, float]] = []
# "<part> saved" (200, the modal closes), "<part> 409" (someone else saved the session since
# the modal opened), "<part> 422" (refused: a clash, a rule): all three are answers a person
# gets, not errors of the application.
OUTCOMES: dict[str, int] = {}
REFUSALS: dict[str, int] = {}  # the 422s' messages, counted
CLOCK = {"began": time.time(), "spawned": None}


def count(table: dict[str, int], key: str) -> None:
    table[key] = table.get(key, 0) + 1


def alerts(html: str) -> str:
    """The text of a form's alerts (errors, the stale-edit banner), short."""
    found = re.findall(r'role="alert"[^>]*>(.*?)</div>', html or "", re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", f) for f in found)
    return " ".join(text.split())[:160] or "no message"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` 0.95 for p95) of `values`; 0 when empty."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = math.ceil(len(ordered) * share)  # 1-based
    return ordered[min(max(rank, 1), len(ordered)) - 1]


if HttpUser is not None:

    @events.test_start.add_listener
    def _began(**kwargs):
        CLOCK["began"] = time.time()

    @events.spawning_complete.add_listener
    def _spawned(user_count, **kwargs):
        if CLOCK["spawned"] is None:
            CLOCK["spawned"] = time.time() - CLOCK["began"]

    @events.request.add_listener
    def _record(request_type, name, response_time, exception=None, **kwargs):
        RAW.append((f"{request_type} {name}", response_time, exception is None,
                    round(time.time() - CLOCK["began"], 3)))

    @events.quitting.add_listener
    def _write(**kwargs):
        if os.environ.get("LOAD_RAW"):
            with open(os.environ["LOAD_RAW"], "w") as f:
                json.dump({"requests": RAW, "outcomes": OUTCOMES, "refusals": REFUSALS,
                           "spawned_at": CLOCK["spawned"]}, f)


    class _Person(HttpUser):
        abstract = True
        wait_time = between(1, 3)
        username = password = ""

        def on_start(self):
            self.seen: list[int] = []
            self.today = datetime.date.today()
            page = self.client.get("/accounts/login/", name="login page")
            with self.client.post(
                "/accounts/login/",
                data={"username": self.username, "password": self.password,
                      "csrfmiddlewaretoken": csrf_token(page.text) or "", "next": "/"},
                headers={"Referer": page.url}, name="login", catch_response=True,
            ) as response:
                if "/accounts/login/" in response.url:
                    response.failure(f"{self.username} could not log in")
            # Scheduling opens on the whole week; a person then keeps one region and one of
            # its sites in view.
            with self.client.get("/scheduling/", name="schedule: week",
                                 catch_response=True) as board:
                regions = select_options(board.text, "region")
                if not regions:  # a login without region access sees an empty schedule
                    board.failure(f"{self.username} sees no region on the schedule")
            self.region = random.choice(regions)[0] if regions else ""
            board = self.client.get("/scheduling/", params={"region": self.region},
                                    name="schedule: region week")
            sites = select_options(board.text, "site")
            self.site = random.choice(sites)[0] if sites else ""
            self._remember(board.text)

        # -- helpers
        def _remember(self, html: str):
            ids = session_ids(html)
            if ids:
                self.seen = (ids + self.seen)[:200]

        def _day(self) -> str:
            return (self.today + datetime.timedelta(days=random.randint(-2, 9))).isoformat()

        def _board(self, params: dict, name: str, htmx: bool = False):
            response = self.client.get(
                "/scheduling/", params=params, name=name, headers=HTMX if htmx else None
            )
            self._remember(response.text)
            return response

        # -- the live schedule
        @task(6)
        def week_of_site(self):
            self._board({"site": self.site, "view": "week", "date": self._day()},
                        "schedule: site week")

        @task(3)
        def filter_board(self):
            params = random.choice([
                {"region": self.region, "site": self.site, "status": "rostered"},
                {"region": self.region, "view": "day", "date": self._day()},
                {"region": self.region, "rows": "client", "date": self._day()},
                {"site": self.site, "rows": "site", "view": "day", "date": self._day()},
                {"site": self.site, "view": "fortnight", "status": "draft"},
                {"region": self.region, "page": "2", "date": self._day()},
            ])
            self._board(params, "schedule: filtered (htmx)", htmx=True)

        @task(4)
        def open_session(self):
            if not self.seen:
                return self.week_of_site()
            pk = random.choice(self.seen)
            self.client.get(f"/sessions/{pk}/edit/", headers=HTMX, name="session: open (modal)")

        @task(2)
        def launcher(self):
            self.client.get("/scheduling/launcher/", params={"q": random.choice(LAUNCHER_SEARCHES)},
                            headers=HTMX, name="launcher")

    class Coordinator(_Person):
        """Changes sessions after creation: browses, opens sessions, uses the menu."""

        weight = 1
        username = password = "coordinator"

        @task(5)
        def session_menu(self):
            """Right click on a block of the region's board: the menu, then Modify Workers,
            Modify Session Times or View History; some of the Modify modals are saved."""
            if not self.seen:
                return self.week_of_site()
            pk = random.choice(self.seen)
            menu = self.client.get(f"/scheduling/sessions/{pk}/menu/", headers=HTMX,
                                   name="menu")
            links = menu_links(menu.text)
            part = random.choice(MENU_PARTS)
            if part not in links:  # a Complete or Cancelled session: its history only
                part = "history"
            if part not in links:
                return
            modal = self.client.get(links[part], headers=HTMX, name=f"menu: {part}")
            if part == "history" or modal.status_code != 200 or random.random() > MENU_SAVE_SHARE:
                return
            fields = form_fields(modal.text, "menu-form")
            if part == "times":  # 15 minutes later or earlier, as typed into the two fields
                moved = shifted_times(fields, random.choice((-15, 15)))
                if moved is None:
                    return
                data = with_values(fields, _action="save", **moved)
            else:  # one of the first free and qualified workers the modal offers
                free = free_candidates(modal.text)
                if not free:
                    return
                data = with_values(fields, _action="save", add=random.choice(free[:3]))
            self._save_modal(links[part], data, part)

        def _save_modal(self, url, data, part):
            with self.client.post(
                url, data=data, name=f"menu: save {part}", catch_response=True,
                headers={**HTMX, "Referer": self.host + "/scheduling/"},
            ) as response:
                code = response.status_code
                if code == 200 and "sessionSaved" in response.headers.get("HX-Trigger", ""):
                    count(OUTCOMES, f"{part} saved")
                elif code in (409, 422):
                    count(OUTCOMES, f"{part} {code}")
                    if code == 422:
                        count(REFUSALS, alerts(response.text))
                    response.success()  # an answer a person gets: stale, or a clash
                else:
                    response.failure(f"{code}: {alerts(response.text)}")

    class Scheduler(_Person):
        """Plans: everything a coordinator does, and New Session → Save and Roster."""

        weight = 1
        username = password = "scheduler"

        @task(4)
        def new_session_and_roster(self):
            day = self.today + datetime.timedelta(days=random.randint(1, SAVE_DAYS))
            start, end = random.choice(SLOTS)
            url = "/scheduling/sessions/new/"
            page = self.client.get(url, params={"date": day.isoformat()}, name="new session: form")
            fields = with_values(
                form_fields(page.text, "session-form"), site=self.site,
                start=f"{day}T{start}", end=f"{day}T{end}", region="",
            )
            clients = self.client.get(
                "/sessions/options/clients/", params={"site": self.site}, headers=HTMX,
                name="new session: clients of the site",
            )
            client_ids = button_values(clients.text, "add_client")
            if not client_ids:
                return
            page = self._post(url, with_values(fields, add_client=random.choice(client_ids[:10]),
                                               _action="refresh"), "new session: add client")
            if page is None:
                return
            fields = form_fields(page.text, "session-form")
            search = dict(fields)
            workers = self.client.get(
                "/sessions/options/workers/", headers=HTMX, name="new session: find a worker",
                params={"worker_q": random.choice(WORKER_SEARCHES), "start": search.get("start"),
                        "end": search.get("end"), "site": self.site,
                        "session_type": search.get("session_type", "")},
            )
            free = free_workers(workers.text)
            if not free:
                return
            page = self._post(url, with_values(fields, add_worker=random.choice(free[:3]),
                                               _action="refresh"), "new session: add worker")
            if page is None:
                return
            fields = form_fields(page.text, "session-form")
            if 'name="accept_budget_overrun"' in page.text:
                fields = with_values(fields, accept_budget_overrun="on")
            with self.client.post(
                url, data=with_values(fields, _action="save_and_roster"),
                headers={"Referer": page.url}, name="new session: Save and Roster",
                catch_response=True,
            ) as saved:
                job = roster_job_id(saved.url or "")
                if saved.status_code != 200 or job is None:
                    saved.failure(f"{saved.status_code}: not saved ({_errors(saved.text)})")
                    return
            self._follow_job(job, saved.text)

        def _post(self, url, fields, name):
            with self.client.post(url, data=fields, name=name, catch_response=True,
                                  headers={"Referer": self.host + url}) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code}: {_errors(response.text)}")
                    return None
                return response

        def _follow_job(self, job: int, html: str):
            """Poll the job's progress every second (as the page does) until it is over."""
            for _ in range(15):
                if not roster_polling(html):
                    return
                time.sleep(1)  # gevent's, under locust
                html = self.client.get(f"/scheduling/roster-jobs/{job}/", headers=HTMX,
                                       name="new session: roster progress").text


def _errors(html: str) -> str:
    """The form's error messages, short (for a failure's description)."""
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html or "", re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", f) for f in found)
    return " ".join(text.split())[:300] or "no message"
