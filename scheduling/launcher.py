"""The app launcher's reads: the pages a user may open and the records matching a search.

One query per kind of record (workers, clients, sites, base rosters, roster periods; two for
sessions), each capped, so a search costs the same number of queries however large the data is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clients.access import scoped
from clients.formatting import nice_date, nice_date_range
from clients.models import Client, Site
from rostering.models import BaseRoster, RosterPeriod
from sessions_app.models import Session
from workforce.models import Worker

PER_KIND = 5
MIN_CHARS = 2  # records are searched from this many characters; pages from the first one
MAX_CHARS = 100
MAX_WORDS = 6


@dataclass(frozen=True)
class LauncherPage:
    label: str
    url_name: str
    permission: str | None = None  # the one the page's view asks for, as its templates check it
    words: str = ""  # other words the page answers to
    staff_only: bool = False


PAGES = (
    LauncherPage("Dashboard", "scheduling:dashboard", words="home overview"),
    LauncherPage("Scheduling", "scheduling:live", words="live schedule sessions week"),
    LauncherPage("Base Rosters", "rostering:base_roster_list", words="patterns"),
    LauncherPage("Roster Periods", "rostering:roster_period_list", words="publish"),
    LauncherPage(
        "Create a base roster", "rostering:base_roster_create", "rostering.add_baseroster",
        words="new add",
    ),
    LauncherPage(
        "New roster period", "rostering:roster_period_create", "rostering.add_rosterperiod",
        words="create add generate",
    ),
    LauncherPage(
        "New Session", "scheduling:new_session", "sessions_app.add_session",
        words="create add live recurring",
    ),
    LauncherPage("Admin", "admin:index", words="reference data", staff_only=True),
)

# What each kind of record needs the user to hold to be offered.
KIND_PERMISSIONS = {
    "workers": "workforce.view_worker",
    "clients": "clients.view_client",
    "sites": "clients.view_site",
    "base_rosters": "rostering.view_baseroster",
    "periods": "rostering.view_rosterperiod",
    "sessions": "sessions_app.change_session",  # they open in the session form
}


@dataclass(frozen=True)
class Hit:
    label: str
    url: str
    hint: str = ""


@dataclass
class HitGroup:
    kind: str
    title: str
    hits: list[Hit] = field(default_factory=list)


def search_words(q: str) -> list[str]:
    return q.split()[:MAX_WORDS]


def pages_for(user, q: str, *, limit: int = PER_KIND) -> list[Hit]:
    """The pages this user may open where every typed word starts a word of the page's name
    (or of its other words): "sched" finds Scheduling, "new ro" New roster period. Those whose
    name starts with the search come first."""
    words = [w.casefold() for w in search_words(q)]
    if not words:
        return []
    found = []
    for page in PAGES:
        if page.staff_only and not user.is_staff:
            continue
        if page.permission and not user.has_perm(page.permission):
            continue
        page_words = f"{page.label} {page.words}".casefold().split()
        if all(any(pw.startswith(w) for pw in page_words) for w in words):
            starts = page.label.casefold().startswith(q.strip().casefold())
            found.append((not starts, Hit(page.label, reverse(page.url_name))))
    found.sort(key=lambda pair: pair[0])  # stable: PAGES order within each
    return [hit for _, hit in found[:limit]]


def _every_word(words, *fields) -> Q:
    condition = Q()
    for word in words:
        either = Q()
        for name in fields:
            either |= Q(**{f"{name}__icontains": word})
        condition &= either
    return condition


def _schedule_url(**params) -> str:
    return f"{reverse('scheduling:live')}?{urlencode(params)}"


def _workers(user, words, limit):
    today = timezone.localdate()
    workers = scoped(user, Worker.objects.all()).filter(
        _every_word(words, "first_name", "last_name")
    )
    for w in workers.order_by("last_name", "first_name", "pk")[:limit]:
        hint = "" if w.is_active_on(today) else "Not active today"
        yield Hit(str(w), _schedule_url(worker=w.pk), hint)


def _clients(user, words, limit):
    fields = ("first_name", "last_name", "preferred_name", "ndis_number")
    clients = scoped(user, Client.objects.all()).filter(_every_word(words, *fields))
    for c in clients.order_by("last_name", "first_name", "pk")[:limit]:
        hint = "" if c.status == Client.Status.ACTIVE else c.get_status_display()
        yield Hit(str(c), _schedule_url(client=c.pk), hint)


def _sites(user, words, limit):
    for s in (
        scoped(user, Site.objects.all()).filter(_every_word(words, "name"))
        .select_related("region")
        .order_by("name")[:limit]
    ):
        yield Hit(s.name, _schedule_url(site=s.pk), s.region.name if s.region_id else "")


def _base_rosters(user, words, limit):
    for r in (
        scoped(user, BaseRoster.objects.all()).filter(_every_word(words, "name"))
        .select_related("site")
        .order_by("-active", "name")[:limit]
    ):
        parts = [f"{r.cycle_weeks}-week cycle"]
        if r.site_id:
            parts.append(r.site.name)
        if not r.active:
            parts.append("inactive")
        yield Hit(r.name, r.get_absolute_url(), " · ".join(parts))


def _periods(user, words, limit):
    for p in (
        scoped(user, RosterPeriod.objects.all()).filter(_every_word(words, "base_roster__name"))
        .select_related("base_roster")
        .order_by("-start_date", "base_roster__name")[:limit]
    ):
        hint = f"{nice_date_range(p.start_date, p.end_date)} · {p.get_status_display()}"
        yield Hit(p.base_roster.name, p.get_absolute_url(), hint)


def _sessions(user, words, limit):
    """Sessions whose subject matches: the coming ones first (soonest first), then the past
    ones (latest first).

    Two queries, each walking the start index from now and stopping at `limit` matches: on a
    large schedule that is much cheaper than sorting every match.
    """
    now = timezone.now()
    matching = (
        scoped(user, Session.objects.all())
        .filter(_every_word(words, "subject"))
        .select_related("site", "base_roster", "roster_period__base_roster")
    )
    found = list(matching.filter(start__gte=now).order_by("start", "pk")[:limit])
    found += list(matching.filter(start__lt=now).order_by("-start", "-pk")[:limit])
    for s in found[:limit]:
        start = s.wall_start
        parts = [f"{nice_date(start)} {start:%H:%M}", s.site.name]
        if s.base_roster_id:
            parts.append(f"base roster {s.base_roster.name}")
        elif s.roster_period_id and s.roster_period.status != RosterPeriod.Status.PUBLISHED:
            parts.append(f"draft period of {s.roster_period.base_roster.name}")
        yield Hit(s.subject, reverse("sessions_app:edit", args=[s.pk]), " · ".join(parts))


RECORDS = (
    ("workers", "Workers", _workers),
    ("clients", "Clients", _clients),
    ("sites", "Sites", _sites),
    ("sessions", "Sessions", _sessions),
    ("base_rosters", "Base rosters", _base_rosters),
    ("periods", "Roster periods", _periods),
)


def launcher_search(*, user, q: str, limit: int = PER_KIND) -> list[HitGroup]:
    """What the launcher offers for `q`: the pages, then each kind of record the user may see
    (from MIN_CHARS characters on), of the user's regions only, at most `limit` of each;
    empty groups left out."""
    q = q.strip()
    groups = [HitGroup("pages", "Pages", pages_for(user, q, limit=limit))]
    words = search_words(q)
    if len(q) >= MIN_CHARS:
        for kind, title, find in RECORDS:
            if user.has_perm(KIND_PERMISSIONS[kind]):
                groups.append(HitGroup(kind, title, list(find(user, words, limit))))
    return [g for g in groups if g.hits]
