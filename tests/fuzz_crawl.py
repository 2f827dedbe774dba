"""Find what a person can send: every form, htmx request and link with a query string that
the app's pages show, by crawling them with Django's test client.

Used by the property-based tests (`test_fuzz_every_input.py`): each target is a URL, a method
and the fields with the values the page filled in; the test then sends one field at a time
with a hostile value.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

SKIP_PREFIXES = ("/admin/", "/static/", "/accounts/logout/")


@dataclass
class Target:
    method: str  # "get" or "post"
    path: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    htmx: bool = False
    source: str = ""  # the page it was found on

    @property
    def names(self) -> list[str]:
        return sorted({name for name, _ in self.fields})

    @property
    def pattern(self) -> str:
        return re.sub(r"/\d+/", "/N/", self.path)

    def key(self):
        """One target per URL pattern and set of fields (numbers in names count as one: a
        formset prefix with a client's id), so /sessions/12/edit/ stands for every session."""
        names = tuple(sorted({re.sub(r"\d+", "N", n) for n in self.names}))
        return (self.method, self.pattern, names, self.htmx)


class _Page(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[tuple[str, bool]] = []  # (url, htmx)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def _url(self, value):
        return urljoin(self.base, value) if value is not None else None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for attr, htmx in (("href", False), ("hx-get", True)):
            if a.get(attr) and tag != "form":
                self.links.append((self._url(a[attr]), htmx))
        if tag == "form":
            method = "post" if (a.get("method", "get").lower() == "post" or a.get("hx-post")) \
                else "get"
            action = a.get("hx-post") or a.get("hx-get") or a.get("action") or self.base
            self._form = {
                "method": method, "action": self._url(action),
                "htmx": bool(a.get("hx-post") or a.get("hx-get")), "fields": [],
                "buttons": [],
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            if tag == "button" and a.get("hx-post"):
                self.forms.append({
                    "method": "post", "action": self._url(a["hx-post"]), "htmx": True,
                    "fields": [], "buttons": [],
                })
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((name, a.get("value", "on")))
                else:
                    self._form.setdefault("unchecked", []).append((name, a.get("value", "on")))
            elif kind in ("submit", "image"):
                self._form["buttons"].append((name, a.get("value", "")))
            elif kind != "file":
                self._form["fields"].append((name, a.get("value", "")))
        elif tag == "button" and name:
            self._form["buttons"].append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._form["fields"].append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["fields"].append((name, ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None and self._form:
                self._form["fields"].append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form and data.strip():
            fields = self._form["fields"]
            fields[-1] = (self._textarea, data)


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path or parts.path.startswith(SKIP_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start_paths, *, max_pages=120) -> list[Target]:
    """Targets found on the pages reachable from `start_paths` (GETs only while crawling)."""
    seen_pages, per_pattern, targets = set(), Counter(), {}
    queue = [(p, False) for p in start_paths]
    while queue and len(seen_pages) < max_pages:
        path, as_htmx = queue.pop(0)
        params = tuple(sorted(k for k, _ in parse_qsl(urlsplit(path).query)))
        pattern = (re.sub(r"/\d+/", "/N/", urlsplit(path).path), as_htmx, params)
        page_key = (urlsplit(path).path, as_htmx, params)
        # Each page once; at most 3 pages of one pattern (3 sessions, 3 periods …).
        if page_key in seen_pages or per_pattern[pattern] >= 3:
            continue
        seen_pages.add(page_key)
        per_pattern[pattern] += 1
        response = client.get(path, **({"HTTP_HX_REQUEST": "true"} if as_htmx else {}))
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Page("http://testserver" + path)
        parser.feed(response.content.decode())
        for url, htmx in parser.links:
            local = _local(url)
            if not local:
                continue
            parts = urlsplit(local)
            query = parse_qsl(parts.query, keep_blank_values=True)
            if query:
                t = Target("get", parts.path, query, htmx, source=path)
                targets.setdefault(t.key(), t)
            queue.append((local, htmx))
            if htmx:
                t = Target("get", parts.path, query, True, source=path)
                targets.setdefault(t.key(), t)
        for form in parser.forms:
            local = _local(form["action"])
            if not local:
                continue
            parts = urlsplit(local)
            fields = parse_qsl(parts.query, keep_blank_values=True) + form["fields"]
            fields += form.get("unchecked", [])[:0]
            buttons = form["buttons"] or [None]
            for button in buttons:
                t = Target(
                    form["method"], parts.path,
                    fields + ([button] if button else []), form["htmx"], source=path,
                )
                targets.setdefault(t.key(), t)
            if form["method"] == "get":
                queue.append((local, form["htmx"]))
    return list(targets.values())
