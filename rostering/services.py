"""Writes to rosters. Each is one transaction that validates with full_clean()."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clients.formatting import nice_date
from jobs.services import job_enqueue
from sessions_app.models import Session
from sessions_app.versioning import bump, check_version

from . import tasks
from .generation import (
    GenerationResult,
    MissingOccurrence,
    aligned,
    missing_occurrence_count,
    missing_occurrences,
    roster_period_generate,
    roster_period_generation_claim,
)
from .models import BaseRoster, RosterPeriod

__all__ = [
    "GenerationResult",
    "MissingOccurrence",
    "aligned",
    "base_roster_create",
    "base_roster_update",
    "before_roster_message",
    "missing_occurrence_count",
    "missing_occurrences",
    "next_period_starts",
    "roster_period_create",
    "roster_period_update",
    "roster_period_generate",
    "roster_period_generation_claim",
    "roster_period_generation_request",
]


@transaction.atomic
def base_roster_create(*, name, cycle_weeks, start_date, active=True, site=None) -> BaseRoster:
    roster = BaseRoster(
        name=name, cycle_weeks=cycle_weeks, start_date=start_date, active=active, site=site
    )
    roster.full_clean()
    try:
        with transaction.atomic():
            roster.save()
    except IntegrityError:
        # Two creates at once: both passed the check above, the other one saved first.
        if BaseRoster.objects.filter(name=name).exists():
            raise ValidationError({"name": _ROSTER_NAME_TAKEN}) from None
        raise
    return roster


_ROSTER_NAME_TAKEN = "A base roster with this name already exists."

BASE_ROSTER_FIELDS = ("name", "active", "cycle_weeks", "start_date", "site")


def _roster_tz(roster: BaseRoster):
    return roster.site.tzinfo if roster.site_id else timezone.get_default_timezone()


@transaction.atomic
def base_roster_update(
    *, roster: BaseRoster, expected_version: int | None = None, user=None, **fields
) -> BaseRoster:
    """Change a base roster's details (BASE_ROSTER_FIELDS). Its cycle (length and start)
    stays as it is once it has sessions or roster periods: their dates stand for days of it.

    One more `version`, by `user`. `expected_version` is the version the form was opened on:
    when someone saved the roster since, `StaleEdit` is raised and nothing is written."""
    unknown = set(fields) - set(BASE_ROSTER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown base roster fields: {sorted(unknown)}")
    locked = (
        BaseRoster.objects.select_for_update(of=("self",)).select_related("site", "updated_by")
        .get(pk=roster.pk)
    )
    check_version(locked, expected_version, tz=_roster_tz(locked))
    errors = {}
    for name in ("cycle_weeks", "start_date"):
        if name in fields and fields[name] != getattr(locked, name) and _has_dated_children(
            locked
        ):
            errors[name] = (
                "The cycle cannot change once the roster has sessions or roster periods: "
                "their dates stand for days of this cycle."
            )
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(locked, name, value)
    bump(locked, user=user)
    locked.full_clean()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        if BaseRoster.objects.filter(name=locked.name).exclude(pk=locked.pk).exists():
            raise ValidationError({"name": _ROSTER_NAME_TAKEN}) from None
        raise
    return locked


def _has_dated_children(roster: BaseRoster) -> bool:
    return roster.sessions.exists() or roster.periods.exists()


def _day(d: datetime.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def _period_taken(roster: BaseRoster, start_date: datetime.date) -> str:
    return f"“{roster}” already has a roster period starting {_day(start_date)}."


def before_roster_message(roster: BaseRoster, day: datetime.date) -> str | None:
    """Why `day` cannot start a period of `roster` because it is before the roster starts."""
    if day >= roster.start_date:
        return None
    return (
        f"A roster period cannot start before its base roster: “{roster}” starts on "
        f"{_day(roster.start_date)}."
    )


def misaligned_message(roster: BaseRoster, day: datetime.date) -> str:
    """Why `day` cannot start a period of `roster`, naming the aligned dates either side."""
    cycle = roster.cycle_days
    behind = (day - roster.start_date).days % cycle
    before = day - datetime.timedelta(days=behind)
    after = before + datetime.timedelta(days=cycle)
    weeks = f"{roster.cycle_weeks}-week" if roster.cycle_weeks > 1 else "weekly"
    options = [d for d in (before, after) if d >= roster.start_date]
    return (
        f"{nice_date(day)} does not line up with the {weeks} cycle of “{roster}”, which "
        f"starts on {nice_date(roster.start_date)}. Choose "
        + " or ".join(nice_date(d) for d in options)
        + "."
    )


def next_period_starts(
    roster: BaseRoster, *, today: datetime.date | None = None, count: int | None = None
) -> list[datetime.date]:
    """Start dates aligned with the roster's cycle: the current cycle's start and those after.

    About a year ahead (at least four dates); dates that already start a period are left out.
    """
    today = today or timezone.localdate()
    cycle = roster.cycle_days
    if today <= roster.start_date:
        first = roster.start_date
    else:
        first = today - datetime.timedelta(days=(today - roster.start_date).days % cycle)
    count = count or max(4, 52 // roster.cycle_weeks + 1)
    taken = set(roster.periods.values_list("start_date", flat=True))
    dates = (first + datetime.timedelta(days=cycle * k) for k in range(count + len(taken)))
    return [d for d in dates if d not in taken][:count]


@transaction.atomic
def roster_period_create(
    *,
    base_roster: BaseRoster,
    start_date: datetime.date,
    cycles: int | None = None,
    end_date: datetime.date | None = None,
) -> RosterPeriod:
    """A draft period of whole cycles of the base roster: end = start + cycle × cycles − 1 day.

    `start_date` must be the first day of one of the roster's cycles. Pass `cycles` (or an
    `end_date` that closes a whole number of cycles). Generating its sessions is a separate job
    (`roster_period_generation_request`).
    """
    errors = {}
    if not base_roster.active:
        errors["base_roster"] = f"The base roster “{base_roster}” is not active."
    if before := before_roster_message(base_roster, start_date):
        errors["start_date"] = before
    elif not aligned(base_roster, start_date):
        errors["start_date"] = misaligned_message(base_roster, start_date)
    if cycles is None and end_date is not None:
        days = (end_date - start_date).days + 1
        if days <= 0 or days % base_roster.cycle_days:
            errors["end_date"] = (
                f"A period lasts whole cycles of {base_roster.cycle_weeks} week"
                f"{'s' if base_roster.cycle_weeks != 1 else ''}."
            )
        cycles = max(1, days // base_roster.cycle_days)
    if cycles is None or cycles < 1:
        errors["cycles"] = "A period lasts at least one cycle."
    if errors:
        raise ValidationError(errors)
    period = RosterPeriod(
        base_roster=base_roster,
        start_date=start_date,
        end_date=start_date + datetime.timedelta(days=base_roster.cycle_days * cycles - 1),
    )
    period.full_clean()
    try:
        with transaction.atomic():
            period.save()
    except IntegrityError:
        # Two creates at once: both passed the check above, the other one saved first.
        if RosterPeriod.objects.filter(base_roster=base_roster, start_date=start_date).exists():
            raise ValidationError({"start_date": _period_taken(base_roster, start_date)}) from None
        raise
    return period


def roster_period_generation_request(*, period: RosterPeriod, user=None) -> bool:
    """Start generating (or bringing in) the period's sessions as a background job.

    Claims the job (a second press while one is queued or running does nothing and returns
    False) and enqueues the Celery task once the claim is committed. Without a broker the task
    runs in-process at commit. Raises ValidationError for a published period.
    """
    with transaction.atomic():
        job = roster_period_generation_claim(period=period, user=user)
        if job is not None:
            job_enqueue(job=job, task=tasks.generation_job)
    return job is not None


@transaction.atomic
def roster_period_update(
    *, period: RosterPeriod, cycles: int, expected_version: int | None = None, user=None
) -> RosterPeriod:
    """Change how many cycles of its base roster a draft period lasts (its end date). A
    shorter period must not leave sessions after its new end.

    One more `version`, by `user`. `expected_version` is the version the form was opened on:
    when someone changed the period since (an edit, publishing), `StaleEdit` is raised and
    nothing is written."""
    locked = (
        RosterPeriod.objects.select_for_update(of=("self",))
        .select_related("base_roster__site", "updated_by")
        .get(pk=period.pk)
    )
    check_version(locked, expected_version, tz=locked.tzinfo)
    if locked.is_published:
        raise ValidationError({"cycles": "A published roster period cannot change."})
    if cycles is None or not 1 <= cycles <= 52:
        raise ValidationError({"cycles": "A period lasts 1 to 52 cycles."})
    roster = locked.base_roster
    end = locked.start_date + datetime.timedelta(days=roster.cycle_days * cycles - 1)
    if end < locked.end_date:
        next_day = datetime.datetime.combine(
            end + datetime.timedelta(days=1), datetime.time(0), tzinfo=locked.tzinfo
        )
        after = Session.objects.filter(roster_period=locked).filter(
            Q(occurrence_date__gt=end) | Q(occurrence_date__isnull=True, start__gte=next_day)
        ).count()
        if after:
            raise ValidationError({"cycles": (
                f"{after} session{'s' if after != 1 else ''} of this period fall"
                f"{'s' if after == 1 else ''} after {nice_date(end)}: delete "
                f"{'them' if after != 1 else 'it'} before shortening the period."
            )})
    locked.end_date = end
    bump(locked, user=user)
    locked.full_clean()
    locked.save()
    return locked
