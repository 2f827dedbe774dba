"""Workers (qualifications, availability), assets, base rosters and roster periods."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from clients.formatting import nice_date_range
from clients.models import Region, Site


class Qualification(models.Model):
    name = models.CharField(max_length=150, unique=True)
    code = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Worker(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="worker",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    regions = models.ManyToManyField(Region, related_name="workers")
    active_from = models.DateField()
    active_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=F("active_from")),
                name="worker_active_to_after_from",
                violation_error_message="A worker's active-to date must follow active-from.",
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def clean(self):
        if self.active_from and self.active_to and self.active_to < self.active_from:
            raise ValidationError({"active_to": "Active to must be on or after active from."})

    def is_active_on(self, day: datetime.date) -> bool:
        return self.active_from <= day and (self.active_to is None or day <= self.active_to)


class WorkerQualification(models.Model):
    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="qualifications")
    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="+")
    obtained_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["worker", "qualification__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "qualification"], name="worker_qualification_unique"
            )
        ]

    def __str__(self):
        return f"{self.worker}: {self.qualification}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.expires_on is None or day <= self.expires_on


class WorkerUnavailability(models.Model):
    class Kind(models.TextChoices):
        LEAVE = "leave", "Leave"
        UNAVAILABLE = "unavailable", "Unavailable"

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="unavailability")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.UNAVAILABLE)
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["worker", "start"]
        verbose_name_plural = "worker unavailability"
        indexes = [models.Index(fields=["worker", "start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="unavailability_end_after_start",
                violation_error_message="Unavailability must end after it starts.",
            )
        ]

    def __str__(self):
        return f"{self.worker} {self.get_kind_display()} {self.start:%d/%m/%Y}"

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "Unavailability must end after it starts."})


class Asset(models.Model):
    class Kind(models.TextChoices):
        SHOWER_CHAIR = "shower_chair", "Shower chair"
        HOIST = "hoist", "Hoist"
        WHEELCHAIR = "wheelchair", "Wheelchair"
        MINIBUS = "minibus", "Minibus"
        VEHICLE = "vehicle", "Accessible vehicle"
        ROOM = "room", "Room"
        OTHER = "other", "Other"

    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="assets")
    registration = models.CharField(max_length=30, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["region", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="asset_unique_name_in_region")
        ]

    def __str__(self):
        return self.name


class BaseRoster(models.Model):
    """The regular pattern of care: a cycle of N weeks from its start date."""

    name = models.CharField(max_length=150, unique=True)
    active = models.BooleanField(default=True)
    cycle_weeks = models.PositiveSmallIntegerField(
        "cycle length in weeks",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    start_date = models.DateField(help_text="The first day of the first cycle.")
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="base_rosters"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cycle_weeks__gte=1) & Q(cycle_weeks__lte=12),
                name="base_roster_cycle_1_to_12_weeks",
                violation_error_message="A cycle lasts between 1 and 12 weeks.",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def cycle_days(self) -> int:
        return self.cycle_weeks * 7

    @property
    def cycle_end_date(self) -> datetime.date:
        """The last day of the first cycle."""
        return self.start_date + datetime.timedelta(days=self.cycle_days - 1)


class RosterPeriod(models.Model):
    """A real date range generated from a base roster; draft until published."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class GenerationStatus(models.TextChoices):
        IDLE = "idle", "Not generated"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    base_roster = models.ForeignKey(BaseRoster, on_delete=models.PROTECT, related_name="periods")
    start_date = models.DateField()
    end_date = models.DateField(help_text="The last day of the period.")
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)

    # Progress of the background job that generates sessions from the base roster
    # (rostering.generation); written once per batch, polled by the period page.
    generation_status = models.CharField(
        max_length=10, choices=GenerationStatus, default=GenerationStatus.IDLE
    )
    generation_done = models.PositiveIntegerField(default=0)
    generation_total = models.PositiveIntegerField(default=0)
    generation_message = models.CharField(max_length=255, blank=True)
    generation_updated_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Last progress write; a queued/running job silent for long can be restarted.",
    )
    generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="roster_period_end_on_or_after_start",
                violation_error_message="A roster period must end on or after its start.",
            ),
            models.UniqueConstraint(
                fields=["base_roster", "start_date"], name="roster_period_unique_start"
            ),
        ]

    def __str__(self):
        return f"{self.base_roster} {nice_date_range(self.start_date, self.end_date)}"

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "A roster period must end on or after its start."})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def cycles(self) -> int | None:
        """Whole base-roster cycles the period spans, or None when it is not aligned."""
        days = (self.end_date - self.start_date).days + 1
        cycle = self.base_roster.cycle_days
        if (self.start_date - self.base_roster.start_date).days % cycle or days % cycle:
            return None
        return days // cycle

    @property
    def generation_in_progress(self) -> bool:
        return self.generation_status in (
            self.GenerationStatus.QUEUED, self.GenerationStatus.RUNNING
        )

    @property
    def generation_percent(self) -> int:
        if self.generation_status == self.GenerationStatus.DONE:
            return 100
        if not self.generation_total:
            return 0
        return min(100, self.generation_done * 100 // self.generation_total)
