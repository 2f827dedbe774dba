"""Regions, sites, clients, the support-item catalogue, service agreements and group templates."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from .formatting import nice_date_range

RATIO_VALIDATOR = RegexValidator(
    r"^\d{1,2}:\d{1,2}$", "Enter a worker:client ratio such as 1:1 or 1:3."
)


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not an IANA time zone (e.g. Australia/Sydney).",
            code="invalid_time_zone",
            params={"value": value},
        )


class Region(models.Model):
    region_scope = "pk"  # how clients.access narrows to a user's regions
    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=30, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RegionAccess(models.Model):
    """The regions whose data a user sees and changes (set in the admin, on the user).

    "All regions" is a choice of its own; a user without a RegionAccess, or with neither
    "All regions" nor any region ticked, sees no region's data.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="region_access"
    )
    all_regions = models.BooleanField(
        "All regions", default=False,
        help_text="Sees and changes the data of every region, today's and those added later.",
    )
    regions = models.ManyToManyField(
        Region, blank=True, related_name="+",
        help_text="The regions whose data this user sees and changes (without All regions).",
    )

    class Meta:
        verbose_name = "region access"
        verbose_name_plural = "region access"

    def __str__(self):
        return f"Region access of {self.user}"
# Australia's states and territories, as the `holidays` package names their subdivisions.
class State(models.TextChoices):
    NSW = "NSW", "New South Wales"
    VIC = "VIC", "Victoria"
    QLD = "QLD", "Queensland"
    WA = "WA", "Western Australia"
    SA = "SA", "South Australia"
    TAS = "TAS", "Tasmania"
    ACT = "ACT", "Australian Capital Territory"
    NT = "NT", "Northern Territory"


# The state of each Australian IANA time zone: a sensible first guess for a site's state.
TIME_ZONE_STATES = {
    "Australia/Sydney": State.NSW, "Australia/NSW": State.NSW,
    "Australia/Broken_Hill": State.NSW, "Australia/Lord_Howe": State.NSW,
    "Australia/Melbourne": State.VIC, "Australia/Victoria": State.VIC,
    "Australia/Brisbane": State.QLD, "Australia/Lindeman": State.QLD,
    "Australia/Queensland": State.QLD,
    "Australia/Perth": State.WA, "Australia/Eucla": State.WA, "Australia/West": State.WA,
    "Australia/Adelaide": State.SA, "Australia/South": State.SA,
    "Australia/Hobart": State.TAS, "Australia/Tasmania": State.TAS,
    "Australia/Currie": State.TAS,
    "Australia/Canberra": State.ACT, "Australia/ACT": State.ACT,
    "Australia/Darwin": State.NT, "Australia/North": State.NT,
}


def state_for_time_zone(time_zone: str) -> str:
    """The state a site in this time zone is most likely in (New South Wales if unknown)."""
    return TIME_ZONE_STATES.get(time_zone, State.NSW)


class Site(models.Model):
    region_scope = "region"
    name = models.CharField(max_length=150, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="sites")
    time_zone = models.CharField(
        max_length=64,
        default="Australia/Sydney",
        validators=[validate_time_zone],
        help_text="IANA time zone of the site, e.g. Australia/Sydney or Australia/Perth.",
    )
    state = models.CharField(
        max_length=3, choices=State, default=State.NSW, db_default=State.NSW,
        help_text="The state or territory whose public holidays are not business days here.",
    )
    address = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.time_zone)


class Client(models.Model):
    region_scope = "sites__region"
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ON_HOLD = "on_hold", "On hold"
        INACTIVE = "inactive", "Inactive"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    ndis_number = models.CharField("NDIS number", max_length=20, blank=True, db_index=True)
    date_of_birth = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.ACTIVE)
    sites = models.ManyToManyField(Site, related_name="clients")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self):
        return f"{self.preferred_name or self.first_name} {self.last_name}"


class SupportItem(models.Model):
    class Unit(models.TextChoices):
        HOUR = "hour", "Hour"
        EACH = "each", "Each"
        DAY = "day", "Day"
        WEEK = "week", "Week"
        KM = "km", "Kilometre"

    item_number = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=255)
    unit = models.CharField(max_length=10, choices=Unit, default=Unit.HOUR)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    active = models.BooleanField(default=True)
    # The notice a client must give to cancel without it being short notice (NDIS: 7 clear
    # days for disability-support-worker supports, 2 clear business days for others).
    cancellation_notice_days = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="Clear days of notice for a cancellation not to be short notice. Blank: "
        "the organisation's default (settings.CANCELLATION_NOTICE_DEFAULT).",
    )
    notice_in_business_days = models.BooleanField(
        default=False, db_default=False,
        help_text="Count the notice in business days (skipping weekends and the site's "
        "public holidays) rather than calendar days.",
    )

    class Meta:
        ordering = ["item_number"]

    def __str__(self):
        return f"{self.item_number} {self.name}"


class ServiceAgreement(models.Model):
    class FundingSource(models.TextChoices):
        NDIS_AGENCY = "ndis_agency", "NDIS – agency managed"
        NDIS_PLAN = "ndis_plan", "NDIS – plan managed"
        NDIS_SELF = "ndis_self", "NDIS – self managed"
        HOME_CARE = "home_care", "Home Care Package"
        PRIVATE = "private", "Private"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="agreements")
    reference = models.CharField(max_length=50, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    funding_source = models.CharField(max_length=20, choices=FundingSource)

    class Meta:
        ordering = ["client", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="agreement_end_on_or_after_start",
                violation_error_message="The agreement must end on or after its start date.",
            )
        ]

    def __str__(self):
        return f"{self.client} {nice_date_range(self.start_date, self.end_date)}"

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": "The agreement must end on or after its start date."}
            )

    def is_active_on(self, day):
        """`ServiceAgreementLine.objects.active_on` for an agreement in hand."""
        return self.start_date <= day <= self.end_date


class ServiceAgreementLineQuerySet(models.QuerySet):
    def active_between(self, first: datetime.date, last: datetime.date):
        """Lines of agreements active on at least one day from `first` to `last` (inclusive)."""
        return self.filter(agreement__start_date__lte=last, agreement__end_date__gte=first)

    def active_on(self, day: datetime.date):
        """Lines of agreements active on `day`: from their start date to their end date."""
        return self.active_between(day, day)


class ServiceAgreementLine(models.Model):
    agreement = models.ForeignKey(
        ServiceAgreement, on_delete=models.CASCADE, related_name="lines"
    )
    support_item = models.ForeignKey(SupportItem, on_delete=models.PROTECT, related_name="+")
    budget_quantity = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    budget_amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    delivery_ratio = models.CharField(
        max_length=5, default="1:1", validators=[RATIO_VALIDATOR]
    )

    objects = ServiceAgreementLineQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "support_item__item_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "support_item", "delivery_ratio"],
                name="agreement_line_unique_item_ratio",
            )
        ]

    def __str__(self):
        return (
            f"{self.agreement.client} · {self.support_item.item_number} ({self.delivery_ratio})"
        )


class GroupTemplate(models.Model):
    region_scope = "site__region"
    """A group program: its members and the services planned for each of them."""

    name = models.CharField(max_length=150)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="group_templates")
    members = models.ManyToManyField(Client, related_name="group_templates", blank=True)
    ratio = models.CharField(max_length=5, default="1:3", validators=[RATIO_VALIDATOR])
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="group_template_unique_name")
        ]

    def __str__(self):
        return f"{self.name} ({self.site})"


class GroupTemplateItem(models.Model):
    """A service planned for every member of a group program."""

    template = models.ForeignKey(GroupTemplate, on_delete=models.CASCADE, related_name="items")
    support_item = models.ForeignKey(SupportItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True,
        help_text="Leave blank to use the session length.",
    )

    class Meta:
        ordering = ["template", "support_item__item_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "support_item"], name="group_template_item_unique"
            )
        ]

    def __str__(self):
        return f"{self.template.name}: {self.support_item.item_number}"
