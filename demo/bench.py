"""Benchmark phases for validating and publishing a generated roster period.

Used by `manage.py bench_generation`, after it has generated a 4-week period at
provider scale. Each phase takes the period and a `measure(name)` context manager (the
command's: it times the block, counts its SQL statements and samples memory, and yields an
object with `note` and `rows`), and returns its measurements.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from jobs.services import job_claim
from rostering import publishing as period_services
from rostering.models import JOB_VALIDATE, PeriodValidation, RosterPeriod
from sessions_app.models import Session


@contextmanager
def statement_kinds():
    """Count the SQL statements of a block by their first word (SELECT, UPDATE, INSERT …)."""
    kinds = Counter()

    def count(execute, sql, params, many, context):
        kinds[sql.lstrip().split(None, 1)[0].upper()] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield kinds


def _validate(period: RosterPeriod) -> PeriodValidation:
    """Claim a validation job and run it here, as the background task does
    (rostering.tasks.validation_job); its report."""
    job = job_claim(kind=JOB_VALIDATE, target=period)
    period_services.period_validation_run(job_id=job.pk)
    return PeriodValidation.objects.get(job=job)


def _summary(validation: PeriodValidation) -> str:
    rules = ", ".join(f"{code} {n:,}" for code, n in sorted(validation.rule_counts.items()))
    return (
        f"{validation.session_count:,} sessions: {validation.error_count:,} errors, "
        f"{validation.warning_count:,} warnings ({rules or 'none'})"
    )


def phase_validate(period: RosterPeriod, measure) -> list:
    """Validate the period as the background job does."""
    with measure("validate (job)") as m:
        validation = _validate(period)
    m.note = _summary(validation)
    return [m]


def phase_publish(period: RosterPeriod, measure) -> list:
    """Publish the period, then email one notification per worker.

    Publishing needs a validation without errors: the sessions with errors (on demo data, a
    worker on leave or without a qualification) are first taken out of this scratch period and
    it is validated again, unmeasured. Emails go to the in-memory backend.
    """
    results = []
    validation = PeriodValidation.objects.filter(period=period).first()
    if validation is None or validation.error_count:
        bad = {
            e["session_id"]
            for e in (validation.report if validation else [])
            if e["severity"] == "error"
        }
        if bad:
            Session.objects.filter(pk__in=bad).delete()
        validation = _validate(period)
    period.refresh_from_db()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        with transaction.atomic():  # the emails' on-commit job waits for the end of this block
            with measure("publish (one transaction)") as m, statement_kinds() as kinds:
                result = period_services.roster_period_publish(
                    period=period, acknowledged_warnings=True,
                    acknowledged_earlier_unpublished=True,
                )
            m.note = (
                f"{result.sessions_rostered:,} sessions Rostered, {result.workers_notified:,} "
                f"notifications; statements: "
                + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
                + f" (validation before: {validation.error_count} errors, "
                f"{validation.warning_count:,} warnings)"
            )
            results.append(m)
            with measure("send notifications (email)") as m:
                sent = period_services.period_notifications_send(period_id=period.pk)
            m.note = f"{sent:,} emails, one per worker, over one connection"
            results.append(m)
    return results


# Server-time targets of the pages (issue: roster-period page ≤ 250 ms, dashboard ≤ 100 ms).
PAGE_TARGETS_MS = {"roster-period page": 250, "dashboard": 100}


def phase_pages(
    period: RosterPeriod, measure, *, repeat: int = 7, which=("period", "dashboard"), label=""
) -> list:
    """Time the pages a scheduler opens on this data: the period's page and the dashboard.

    `which` picks them; `label` is added to the phase names (the period page is timed both as
    a validated draft, with its report, and once published).

    Each page is requested through Django's test client (the whole request: middleware, views,
    queries, templates; no network) once to warm up, then `repeat` times; the median is
    reported with the queries of one request.
    """
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    pages = {
        "period": (
            "roster-period page", reverse("rostering:roster_period_detail", args=[period.pk])
        ),
        "dashboard": ("dashboard", reverse("scheduling:dashboard")),
    }
    results = []
    for key in which:
        kind, url = pages[key]
        name = f"{kind}{label}"
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        times = []
        with measure(name) as m:
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - started)
        queries = m.queries // repeat
        m.seconds = statistics.median(times)
        target = PAGE_TARGETS_MS[kind]
        verdict = "meets" if m.seconds * 1000 <= target else "MISSES"
        m.queries = queries
        m.note = (
            f"median of {repeat} requests {m.seconds * 1000:.0f} ms ({verdict} ≤ {target} ms); "
            f"{len(response.content) // 1024:,} KB of HTML; {url}"
        )
        results.append(m)
    return results
