"""Workers (qualifications, availability, leave) and assets: who and what a session can use.

These tables were created by the rostering app and keep their names (see Meta.db_table).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from clients.models import Region


class Qualification(models.Model):
    name = models.CharField(max_length=150, unique=True)
    code = models.SlugField(max_length=40, unique=True)

    class Meta:
        db_table = "rostering_qualification"
        ordering = ["name"]

    def __str__(self):
        return self.name


class WorkerQuerySet(models.QuerySet):
    @staticmethod
    def active_condition(day: datetime.date) -> Q:
        """Active on `day`: from `active_from` to `active_to` inclusive; no `active_to` is open."""
        return Q(active_from__lte=day) & (Q(active_to__isnull=True) | Q(active_to__gte=day))

    def active_on(self, day: datetime.date):
        return self.filter(self.active_condition(day))

    def inactive_on(self, day: datetime.date):
        return self.exclude(self.active_condition(day))


class Worker(models.Model):
    region_scope = "regions"  # clients.access
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

    objects = WorkerQuerySet.as_manager()

    class Meta:
        db_table = "rostering_worker"
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
        """`WorkerQuerySet.active_on` for a worker in hand."""
        return self.active_from <= day and (self.active_to is None or day <= self.active_to)


class WorkerQualification(models.Model):
    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="qualifications")
    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="+")
    obtained_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "rostering_workerqualification"
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
        db_table = "rostering_workerunavailability"
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
    region_scope = "region"
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
        db_table = "rostering_asset"
        ordering = ["region", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="asset_unique_name_in_region")
        ]

    def __str__(self):
        return self.name
