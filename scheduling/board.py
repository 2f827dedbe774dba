"""The live schedule's board: rows of sessions laid out on a timeline of one, seven or
fourteen days.

Each session is a block placed by its wall-clock start and end at its own site (a Perth
session at 09:00 sits at 09:00, as does a Sydney one at 09:00), as a share of the days shown.
A session running past the last day (or begun before the first) is clipped there and marked.
Overlapping blocks of a row go on lanes one under the other.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from html import escape  # the stdlib's: Django's lazy-aware wrapper costs 5× more per call

from django.urls import reverse
from django.utils.safestring import mark_safe

from sessions_app.models import Session

from .selectors import BoardRows, BoardSession

MINUTES_A_DAY = 24 * 60
MIN_MINUTES = 15  # the narrowest block (a session in a DST fold can end "before" it starts)
STATUS_LABELS = dict(Session.Status.choices)
SAMPLE_PK = 987654321  # reversed once; each block's link is this with its own pk
ROW_NONE_LABELS = {"worker": "Unstaffed", "client": "No client"}


@dataclass
class Block:
    session: BoardSession
    left: float  # % of the track
    width: float  # % of the track
    lane: int
    clipped_start: bool
    clipped_end: bool
    text: str  # what the block shows after its time, by the row kind
    label: str  # its tooltip: the accessible description, or the name of a bare bar
    url: str  # the session form
    menu_url: str = ""  # the session menu's items (scheduling:session_menu)

    @property
    def style(self) -> str:
        return f"left:{self.left:g}%;width:{self.width:g}%;--at:{self.lane}"

    @property
    def unstaffed(self) -> bool:
        return not self.session.workers

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.session.status, self.session.status)


def block_html(b: Block, kind: str) -> str:
    """One block's markup (a `<li>` holding its link and its "⋯" menu button).

    Written here rather than in the template: a region's week by site is thousands of blocks,
    and Python's string formatting renders them an order of magnitude faster than template
    tags. Every value from the database goes through `escape`.

    The link's name is what it shows (time and names); its title, the whole session (when,
    subject, status, clients, workers, site) is its description and tooltip — and its name
    when the block is too narrow to show text (a bare bar, see live.css). The link opens the
    session menu on right-click or Shift+F10 (static/js/session_menu.js, `data-menu-url`); the
    "⋯" button opens it for a pointer or a touch and is out of the Tab order (the board has
    thousands of blocks: one Tab stop each).
    """
    s = b.session
    classes = f"block st-{s.status}"
    if not s.workers:
        classes += " unstaffed"
    if b.clipped_start:
        classes += " clip-start"
    if b.clipped_end:
        classes += " clip-end"
    if s.short_notice:
        classes += " short-notice"
    if kind == "client":
        text = escape(b.text)
    else:  # the clients still coming first: a narrow block shows who is there
        text = ", ".join(
            f"<s>{escape(name)}</s>" if cancelled else escape(name)
            for _, name, cancelled in sorted(s.clients, key=lambda c: c[2])
        ) or escape(s.subject)
    label = escape(b.label)
    menu = b.menu_url
    return (
        f'<li class="{classes}" style="{b.style}"><a href="{b.url}" hx-get="{b.url}" '
        f'hx-target="#modal-body" data-session-id="{s.pk}" data-menu-url="{menu}" '
        f'aria-keyshortcuts="Shift+F10" title="{label}">'
        f'<span class="b-time">{_hm(s.start)}</span> <span class="b-text">{text}</span></a>'
        f'<button type="button" class="b-menu" data-menu-button aria-haspopup="menu" '
        f'aria-expanded="false" tabindex="-1" aria-label="Session menu">⋯</button></li>'
    )


@dataclass
class Row:
    key: str
    label: str
    note: str  # e.g. the site's time zone, or "sessions with no worker"
    blocks: list[Block] = field(default_factory=list)
    lanes: int = 1
    hours: str = "0"  # e.g. "12.5"
    is_none: bool = False
    kind: str = "worker"

    @property
    def blocks_html(self) -> str:
        return mark_safe("".join(block_html(b, self.kind) for b in self.blocks))


@dataclass
class Board:
    first_day: datetime.date
    num_days: int
    rows: list[Row]
    days: list[datetime.date]
    hours: list[int]  # hour ticks to label on the scale (day view: every hour)


def _names(people) -> str:
    return ", ".join(p[1] for p in people)


def _clients_text(s: BoardSession) -> str:
    return ", ".join(
        (f"{name} (cancelled, short notice)" if pk in s.short_notice else f"{name} (cancelled)")
        if off else name
        for pk, name, off in s.clients
    )


def _hm(t: datetime.datetime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


@functools.lru_cache(maxsize=64)
def _day(d: datetime.date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def _label(s: BoardSession, *, clipped_start: bool, clipped_end: bool) -> str:
    when = f"{_hm(s.start)}–{_hm(s.end)} {_day(s.start.date())}"
    if s.end.date() != s.start.date():
        when += f" to {_day(s.end.date())}"
    parts = [
        when, s.subject, STATUS_LABELS.get(s.status, s.status),
        f"Clients: {_clients_text(s) or 'none'}",
        f"Workers: {_names(s.workers)}" if s.workers else "No worker",
        s.site, s.session_type,
    ]
    if s.work_type == Session.WorkType.GROUP:
        parts.append(f"Group {s.ratio}".strip())
    if clipped_start:
        parts.append("began before the days shown")
    if clipped_end:
        parts.append("continues after the days shown")
    return ". ".join(p for p in parts if p)


def _text(s: BoardSession, kind: str) -> str:
    if kind == "worker":
        return s.subject if not s.clients else ", ".join(c[1] for c in s.clients)
    if kind == "client":
        return _names(s.workers) or "No worker"
    return ", ".join(c[1] for c in s.clients) or s.subject


def _place(
    sessions: list[BoardSession], *, start: datetime.datetime, num_days: int, kind: str, url: str,
    menu_url: str = "",
):
    """Blocks for these sessions (in start order) on lanes: each goes on the first lane free
    at its start."""
    total = num_days * MINUTES_A_DAY
    lane_ends: list[float] = []
    blocks = []
    for s in sessions:
        a = (s.start - start).total_seconds() / 60
        b = max((s.end - start).total_seconds() / 60, a + MIN_MINUTES)
        clipped_start, clipped_end = a < 0, b > total
        a, b = max(a, 0), min(b, total)
        for lane, end in enumerate(lane_ends):
            if end <= a:
                lane_ends[lane] = b
                break
        else:
            lane = len(lane_ends)
            lane_ends.append(b)
        blocks.append(Block(
            s, left=round(a / total * 100, 3), width=round(max(b - a, 1) / total * 100, 3),
            lane=lane, clipped_start=clipped_start, clipped_end=clipped_end,
            text=_text(s, kind),
            label=_label(s, clipped_start=clipped_start, clipped_end=clipped_end),
            url=url.format(s.pk), menu_url=menu_url.format(s.pk),
        ))
    return blocks, max(len(lane_ends), 1)


def build_board(data: BoardRows, *, first_day: datetime.date, num_days: int) -> Board:
    """Group the page's sessions into its rows and lay each row out on the timeline."""
    kind = data.kind
    rows: list[Row] = []
    by_key: dict[int, list[BoardSession]] = {}
    none: list[BoardSession] = []
    for s in data.sessions:
        if kind == "worker":
            keys = [w[0] for w in s.workers]
        elif kind == "client":
            keys = [c[0] for c in s.clients]
        else:
            keys = None
        if keys is None:
            by_key.setdefault(s.site_id, []).append(s)
        elif not keys:
            none.append(s)
        else:
            for k in keys:
                by_key.setdefault(k, []).append(s)
    start = datetime.datetime.combine(first_day, datetime.time.min)
    url = reverse("sessions_app:edit", args=[SAMPLE_PK]).replace(str(SAMPLE_PK), "{}")
    menu_url = reverse("scheduling:session_menu", args=[SAMPLE_PK]).replace(str(SAMPLE_PK), "{}")
    entries = []
    if data.none_row and none:
        entries.append(("none", ROW_NONE_LABELS[kind], "", none, True))
    for values in data.page.object_list:
        if kind == "worker":
            pk, first, last = values
            label, note, key = f"{first} {last}", "", pk
        elif kind == "client":
            pk, first, last, preferred = values
            label, note, key = f"{preferred or first} {last}", "", pk
        else:
            pk, name, tz = values
            label, note, key = name, tz.split("/")[-1].replace("_", " ") + " time", pk
        entries.append((f"{kind}-{pk}", label, note, by_key.get(key, []), False))
    for key, label, note, sessions, is_none in entries:
        blocks, lanes = _place(sessions, start=start, num_days=num_days, kind=kind, url=url,
                               menu_url=menu_url)
        hours = sum((s.end - s.start).total_seconds() for s in sessions) / 3600
        total = f"{hours:.1f}".removesuffix(".0")
        rows.append(Row(key, label, note, blocks, lanes, total, is_none, kind))
    days = [first_day + datetime.timedelta(days=i) for i in range(num_days)]
    hours = list(range(0, 24, 1 if num_days == 1 else 6))
    return Board(first_day, num_days, rows, days, hours)
