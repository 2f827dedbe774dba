"""The session and its attendees, planned services and activities.

Row-level rules live in `clean()`; rules that need the whole session (Appointment has
exactly one client, …) live in `sessions_app.services`, which every write goes through.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from clients.formatting import nice_date, nice_date_range
from clients.models import (
    RATIO_VALIDATOR,
    Client,
    GroupTemplate,
    GroupTemplateItem,
    Region,
    ServiceAgreementLine,
    Site,
    SupportItem,
)
from workforce.models import Asset, Worker

from .constraints import PostgresExclusionConstraint, TsTzRange
from .recurrence import summary


def _history(**options) -> HistoricalRecords:
    """Who changed what, when (django-simple-history): one historical row per saved or deleted
    row, with the user (HistoryRequestMiddleware, or set by the service) and a change reason.
    Set-based writes record theirs with `sessions_app.history_records`.

    Historical tables are indexed only where the timeline reads them (`indexed`: the session,
    or session client, they belong to; and the row's own id): every index costs time when a
    whole period's sessions are generated or published at once."""
    indexed = options.pop("indexed", ())
    model_fk = options.pop("foreign_keys")
    return HistoricalRecords(
        history_id_field=models.BigAutoField(primary_key=True),
        no_db_index=[f for f in model_fk if f not in indexed],
        **options,
    )


# Not changes a person made: the booking copy of the session's times and status kept on the
# worker and asset links (BookingLink), and the one-time token of the form.
BOOKING_FIELDS = ["start", "end", "active"]


# The status of a roster period whose sessions are on the live schedule. Roster periods live in
# `rostering`, which builds on this app; its RosterPeriod.Status.PUBLISHED is this value.
PERIOD_PUBLISHED = "published"

# The longest texts people type into a session. The database stores longer text, so the
# models validate these (full_clean, which every service runs) and the form says so first.
SUBJECT_MAX_LENGTH = 255
COMMENTS_MAX_LENGTH = 4000
EMPLOYEE_MESSAGE_MAX_LENGTH = 1000
TOO_LONG = "At most %(limit_value)d characters: this has %(show_value)d."


def max_length_validator(limit: int) -> MaxLengthValidator:
    return MaxLengthValidator(limit, message=TOO_LONG)


class SessionType(models.Model):
    name = models.CharField(max_length=100, unique=True)
    required_qualifications = models.ManyToManyField(
        "workforce.Qualification", blank=True, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ServiceType(models.Model):
    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CancellationReason(models.Model):
    """Why a client's session was cancelled: NDIS's codes (NSDH, NSDF, NSDT, NSDO, made by a
    data migration) and any the provider adds in the admin."""

    code = models.CharField(max_length=20, unique=True)
    label = models.CharField(max_length=150)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.label}"


class SessionQuerySet(models.QuerySet):
    def live(self):
        """Sessions on the live schedule: those of published periods and those made there."""
        return self.filter(
            Q(roster_period__status=PERIOD_PUBLISHED)
            | Q(roster_period__isnull=True, base_roster__isnull=True)
        )

    def overlapping(self, start, end):
        """Sessions that overlap [start, end); back-to-back sessions do not."""
        return self.filter(start__lt=end, end__gt=start)


class SessionSeries(models.Model):
    """A recurring session made on the live schedule: each occurrence is a session of its own
    (`Session.series`), made from the first by `rule` (an RFC 5545 RRULE expanded at the
    first start's wall-clock time at the site, `sessions_app.recurrence`)."""

    rule = models.TextField(help_text="An RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4")
    first_start = models.DateTimeField()
    form_token = models.UUIDField(
        null=True, blank=True, unique=True, editable=False,
        help_text="The one-time token of the form that created the series: posting that form "
        "again returns this series instead of making another.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "session series"

    def __str__(self):
        try:
            return summary(self.rule)
        except ValidationError:
            return self.rule


class Session(models.Model):
    # clients.access: the session's region, else its site's
    region_scope = ("region", "site__region")

    class WorkType(models.TextChoices):
        APPOINTMENT = "appointment", "Appointment"
        GROUP = "group", "Group"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ROSTERED = "rostered", "Rostered"
        IN_PROGRESS = "in_progress", "In Progress"
        COMPLETE = "complete", "Complete"
        CANCELLED = "cancelled", "Cancelled"

    # Home: a base roster, a roster period, or neither (straight on the live schedule).
    # No single-column index on these foreign keys (nor on site): each leads a composite index
    # or constraint below, which serves the same lookups. Every index costs time when a whole
    # period's sessions change at once (publishing), so none is kept twice.
    base_roster = models.ForeignKey(
        "rostering.BaseRoster", null=True, blank=True, on_delete=models.CASCADE,
        related_name="sessions", db_index=False,
    )
    roster_period = models.ForeignKey(
        "rostering.RosterPeriod", null=True, blank=True, on_delete=models.CASCADE,
        related_name="sessions", db_index=False,
    )
    source_session = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="generated",
        help_text="The base-roster session this one was generated from.", db_index=False,
    )
    occurrence_date = models.DateField(
        null=True, blank=True,
        help_text="For a generated session: the date of the base-roster occurrence it stands "
        "for (its local start date as generated; kept when the session is moved).",
    )

    work_type = models.CharField(max_length=20, choices=WorkType, default=WorkType.APPOINTMENT)
    billable = models.BooleanField(default=True)
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    subject = models.CharField(max_length=SUBJECT_MAX_LENGTH)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="sessions", db_index=False
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    group_template = models.ForeignKey(
        GroupTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ratio = models.CharField(
        "worker:client ratio", max_length=5, blank=True, validators=[RATIO_VALIDATOR]
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    service_types = models.ManyToManyField(ServiceType, blank=True, related_name="sessions")
    comments = models.TextField(
        blank=True, max_length=COMMENTS_MAX_LENGTH,
        validators=[max_length_validator(COMMENTS_MAX_LENGTH)],
    )
    employee_message = models.TextField(
        blank=True, max_length=EMPLOYEE_MESSAGE_MAX_LENGTH,
        validators=[max_length_validator(EMPLOYEE_MESSAGE_MAX_LENGTH)],
    )
    recurrence = models.TextField(
        blank=True, help_text="An RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10"
    )
    form_token = models.UUIDField(
        null=True, blank=True, unique=True, editable=False,
        help_text="The one-time token of the form that created the session: posting that form "
        "again returns this session instead of making another.",
    )
    # Indexed only where set (session_series_start, below): most sessions are in no series.
    series = models.ForeignKey(
        SessionSeries, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="sessions", db_index=False,
        help_text="The recurring session this one is an occurrence of.",
    )
    # Set when the session became Cancelled, for undoing it (scheduling.cancellations).
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_before_cancel = models.CharField(
        max_length=20, choices=Status, blank=True, editable=False, default="", db_default="",
        help_text="The status the session had when it was cancelled: an undo restores it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Lost updates (sessions_app.versioning): every write through the services adds one, so a
    # form opened at one version is refused once another save has happened since.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False, help_text="Who made the latest change, when known.",
    )

    objects = SessionQuerySet.as_manager()
    history = _history(
        m2m_fields=[service_types],
        excluded_fields=["form_token", "updated_at", "version", "updated_by"],
        # the session and service type of the historical service-type rows too
        foreign_keys=[
            "base_roster", "roster_period", "source_session", "session_type", "site", "region",
            "group_template", "series", "session", "servicetype",
        ],
    )

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["site", "start"]),
            models.Index(fields=["base_roster", "start"]),
            models.Index(fields=["roster_period", "start"]),
            models.Index(fields=["start", "end"]),
            models.Index(fields=["series", "start"], condition=Q(series__isnull=False),
                         name="session_series_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="session_end_after_start",
                violation_error_message="A session must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(base_roster__isnull=True) | Q(roster_period__isnull=True),
                name="session_one_home",
                violation_error_message=(
                    "A session belongs to one place: a base roster, a roster period "
                    "or the live schedule."
                ),
            ),
            # A base-roster session occurs at most once per date in a roster period, so
            # generating twice (or two schedulers at once) can never duplicate a session.
            # source_session leads: its index also serves PostgreSQL's check of the self
            # foreign key on every session delete (an index led by the period could not).
            models.UniqueConstraint(
                fields=["source_session", "roster_period", "occurrence_date"],
                condition=Q(source_session__isnull=False),
                name="session_unique_occurrence",
                violation_error_message=(
                    "This base-roster session is already in the period on that date."
                ),
            ),
        ]

    def __str__(self):
        return self.subject

    @property
    def home(self) -> str:
        if self.base_roster_id:
            return "base_roster"
        if self.roster_period_id:
            return "roster_period"
        return "live"

    @property
    def duration(self):
        return self.end - self.start

    @property
    def local_start(self):
        return self.start.astimezone(self.site.tzinfo)

    @property
    def local_end(self):
        return self.end.astimezone(self.site.tzinfo)

    # Wall-clock times at the site, without a zone: templates show these as they are
    # (Django's date filters would otherwise convert aware values to TIME_ZONE).
    @property
    def wall_start(self):
        return self.local_start.replace(tzinfo=None)

    @property
    def wall_end(self):
        return self.local_end.replace(tzinfo=None)

    @property
    def local_date(self):
        return self.local_start.date()

    def clean(self):
        errors = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = "End must be after start."
        if self.base_roster_id and self.roster_period_id:
            errors["__all__"] = (
                "A session belongs to one place: a base roster, a roster period "
                "or the live schedule."
            )
        if self.site_id and self.region_id and self.site.region_id != self.region_id:
            errors["region"] = f"{self.site} is not in the {self.region} region."
        if self.base_roster_id and self.start:
            roster = self.base_roster
            day = self.local_date if self.site_id else self.start.date()
            if not roster.start_date <= day <= roster.cycle_end_date:
                errors["start"] = (
                    "A base-roster session is dated inside the roster's first cycle "
                    f"({nice_date_range(roster.start_date, roster.cycle_end_date)})."
                )
        if self.roster_period_id and self.start:
            period = self.roster_period
            day = self.local_date if self.site_id else self.start.date()
            if not period.start_date <= day <= period.end_date:
                errors["start"] = (
                    "A roster-period session is dated inside the period "
                    f"({nice_date_range(period.start_date, period.end_date)})."
                )
        if errors:
            raise ValidationError(errors)


class SessionClient(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="session_clients")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="session_links")
    status = models.CharField(max_length=20, choices=Status, default=Status.SCHEDULED)
    reason = models.ForeignKey(
        CancellationReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="cancellation reason",
    )
    # Free-text details of the cancellation (the reason itself is `reason`).
    cancellation_reason = models.CharField("details", max_length=255, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    short_notice = models.BooleanField(default=False)
    claimable = models.BooleanField(
        default=False, db_default=False,
        help_text="A short-notice cancellation: its planned services are still claimed and "
        "count against the agreement's budget. Other cancellations release them.",
    )

    history = _history(foreign_keys=["session", "client"], indexed=["session"])

    class Meta:
        ordering = ["session", "client__last_name"]
        verbose_name = "session client"
        constraints = [
            models.UniqueConstraint(fields=["session", "client"], name="session_client_unique")
        ]

    def __str__(self):
        return f"{self.client} in {self.session}"

    def clean(self):
        if self.session_id and self.client_id:
            site_ids = {s.pk for s in self.client.sites.all()}
            if self.session.site_id not in site_ids:
                raise ValidationError(
                    {"client": f"{self.client} is not associated with {self.session.site}."},
                    code="client_not_at_site",
                )
        if self.status == self.Status.CANCELLED and not (
            self.reason_id or self.cancellation_reason
        ):
            raise ValidationError({"reason": "Give a reason for the cancellation."})


class PlannedServiceQuerySet(models.QuerySet):
    def in_budget(self):
        """Planned services that use their agreement line's budget: those of clients still
        scheduled in sessions not cancelled, and those of short-notice cancellations (still
        claimable). Any other cancellation releases them."""
        return self.filter(
            Q(session_client__status=SessionClient.Status.SCHEDULED)
            & ~Q(session_client__session__status=Session.Status.CANCELLED)
            | Q(session_client__status=SessionClient.Status.CANCELLED,
                session_client__claimable=True)
        )


class PlannedService(models.Model):
    """A service planned for one client of the session, from their service agreement.

    Every planned service bills against a line of the client's agreement active on the
    session date; when it came from a group program, `group_template_item` says which.
    """

    session_client = models.ForeignKey(
        SessionClient, on_delete=models.CASCADE, related_name="planned_services"
    )
    agreement_line = models.ForeignKey(
        ServiceAgreementLine, on_delete=models.PROTECT, related_name="planned_services"
    )
    group_template_item = models.ForeignKey(
        GroupTemplateItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    support_item = models.ForeignKey(SupportItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity_edited = models.BooleanField(
        default=False, db_default=False,  # raw INSERT … SELECTs (the benchmark) leave it out
        help_text="Whether someone typed the quantity. An hourly service's quantity follows the "
        "session's length until then (sessions_app.services.planned_quantities_follow_length).",
    )

    history = _history(
        foreign_keys=["session_client", "agreement_line", "group_template_item", "support_item"],
        indexed=["session_client"],
    )

    objects = PlannedServiceQuerySet.as_manager()

    class Meta:
        ordering = ["session_client", "support_item__item_number"]

    def __str__(self):
        return f"{self.support_item.item_number} × {self.quantity}"

    @property
    def amount(self):
        return self.quantity * self.unit_price

    def clean(self):
        if not (self.session_client_id and self.agreement_line_id):
            return
        line = self.agreement_line
        agreement = line.agreement
        sc = self.session_client
        if agreement.client_id != sc.client_id:
            raise ValidationError(
                {"agreement_line": f"That agreement line is not {sc.client}'s."},
                code="line_of_other_client",
            )
        day = sc.session.local_date
        if not agreement.is_active_on(day):
            raise ValidationError(
                {
                    "agreement_line": (
                        f"{sc.client}'s agreement "
                        f"{nice_date_range(agreement.start_date, agreement.end_date)} "
                        f"is not active on {nice_date(day)}."
                    )
                },
                code="agreement_not_active",
            )
        if self.support_item_id and self.support_item_id != line.support_item_id:
            raise ValidationError(
                {"support_item": "The support item must be the agreement line's."}
            )
        if self.group_template_item_id:
            item = self.group_template_item
            if item.support_item_id != line.support_item_id:
                raise ValidationError(
                    {"group_template_item": "The group item and agreement line differ."}
                )


class BookingLink(models.Model):
    """An attendee link that books its attendee: a copy of the session's time range and whether
    the session is active (Rostered or In Progress), for the no-double-booking constraint.

    Kept in step by `sessions_app.bookings` in the services that change a session's times or
    status (never in save() or signals). The range is filled whenever the link is active.
    """

    start = models.DateTimeField(null=True, blank=True, editable=False)
    end = models.DateTimeField(null=True, blank=True, editable=False)
    active = models.BooleanField(default=False, db_default=False, editable=False)

    class Meta:
        abstract = True


def _no_overlap(attendee: str, name: str):
    return PostgresExclusionConstraint(
        name=name,
        expressions=[
            (attendee, RangeOperators.EQUAL),
            (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=Q(active=True),
        violation_error_message=f"This {attendee} is already in an overlapping session.",
    )


def _active_has_range(name: str):
    return models.CheckConstraint(
        condition=Q(active=False) | Q(start__isnull=False, end__isnull=False),
        name=name,
    )


class SessionWorker(BookingLink):
    # No index of its own on session: the unique (session, worker) leads with it. Publishing
    # rewrites every link of a period (its booking), and each index costs time then.
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="session_workers", db_index=False
    )
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="session_links")

    history = _history(
        excluded_fields=BOOKING_FIELDS, foreign_keys=["session", "worker"], indexed=["session"]
    )

    class Meta:
        ordering = ["session", "worker__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "worker"], name="session_worker_unique"),
            _active_has_range("session_worker_active_has_range"),
            _no_overlap("worker", "session_worker_no_overlap"),
        ]

    def __str__(self):
        return f"{self.worker} in {self.session}"


class SessionAsset(BookingLink):
    session = models.ForeignKey(  # indexed by the unique (session, asset), as above
        Session, on_delete=models.CASCADE, related_name="session_assets", db_index=False
    )
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="session_links")

    history = _history(
        excluded_fields=BOOKING_FIELDS, foreign_keys=["session", "asset"], indexed=["session"]
    )

    class Meta:
        ordering = ["session", "asset__name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "asset"], name="session_asset_unique"),
            _active_has_range("session_asset_active_has_range"),
            _no_overlap("asset", "session_asset_no_overlap"),
        ]

    def __str__(self):
        return f"{self.asset} in {self.session}"

    def clean(self):
        if self.session_id and self.asset_id:
            region_id = self.session.region_id or self.session.site.region_id
            if self.asset.region_id != region_id:
                raise ValidationError(
                    {"asset": f"{self.asset} is not in the session's region."},
                    code="asset_not_in_region",
                )


class SessionActivity(models.Model):
    class Kind(models.TextChoices):
        BREAK = "break", "Break"
        OVERTIME = "overtime", "Overtime"
        SLEEPOVER = "sleepover", "Sleepover"
        TRAVEL = "travel", "Travel"
        HANDOVER = "handover", "Handover"
        TRAINING = "training", "Training"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=20, choices=Kind)
    start = models.DateTimeField()
    end = models.DateTimeField()
    paid = models.BooleanField(default=True)

    history = _history(foreign_keys=["session"], indexed=["session"])

    class Meta:
        ordering = ["session", "start"]
        verbose_name_plural = "session activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="activity_end_after_start",
                violation_error_message="An activity must end after it starts.",
            )
        ]

    def __str__(self):
        tz = self.session.site.tzinfo
        return (
            f"{self.get_kind_display()} "
            f"{self.start.astimezone(tz):%H:%M}–{self.end.astimezone(tz):%H:%M}"
        )

    def clean(self):
        if not (self.start and self.end):
            return
        if self.end <= self.start:
            raise ValidationError({"end": "An activity must end after it starts."})
        if self.session_id:
            s = self.session
            if self.start < s.start or self.end > s.end:
                raise ValidationError(
                    {"start": "An activity must lie inside the session's times."},
                    code="activity_outside_session",
                )
