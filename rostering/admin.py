"""Admin for base rosters and roster periods, and the records of their lifecycle (read-only)."""

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from sessions_app.models import Session
from sessions_app.versioning import bump

from .models import BaseRoster, Notification, PeriodValidation, RosterPeriod


def session_count_subquery(field_name):
    """Sessions per row as a correlated subquery: costs nothing in the changelist's count."""
    counts = (
        Session.objects.filter(**{field_name: OuterRef("pk")})
        .order_by()
        .values(field_name)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


class VersionedAdmin(admin.ModelAdmin):
    """A change in the admin is one more version too: a form open on the row is told."""

    def save_model(self, request, obj, form, change):
        if change:
            bump(obj, user=request.user)
        super().save_model(request, obj, form, change)


@admin.register(BaseRoster)
class BaseRosterAdmin(VersionedAdmin):
    list_display = [
        "name",
        "site",
        "cycle_weeks",
        "start_date",
        "cycle_end_date",
        "session_count",
        "active",
    ]
    list_filter = ["active", "cycle_weeks", "site__region", "site"]
    search_fields = ["name", "site__name"]
    ordering = ["name"]
    autocomplete_fields = ["site"]
    list_select_related = ["site"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.annotate(_session_count=session_count_subquery("base_roster"))

    @admin.display(description="Last day of first cycle")
    def cycle_end_date(self, obj):
        return obj.cycle_end_date

    @admin.display(description="Sessions", ordering="_session_count")
    def session_count(self, obj):
        return getattr(obj, "_session_count", None)


@admin.register(RosterPeriod)
class RosterPeriodAdmin(VersionedAdmin):
    list_display = [
        "__str__",
        "base_roster",
        "start_date",
        "end_date",
        "status",
        "published_at",
        "session_count",
    ]
    list_filter = ["status", "base_roster__site__region", "base_roster"]
    search_fields = ["base_roster__name"]
    ordering = ["-start_date", "base_roster__name"]
    autocomplete_fields = ["base_roster"]
    list_select_related = ["base_roster"]
    date_hierarchy = "start_date"

    def get_queryset(self, request):
        # `str()` names the base roster (autocomplete results on sessions).
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related)
            .annotate(_session_count=session_count_subquery("roster_period"))
        )

    @admin.display(description="Sessions", ordering="_session_count")
    def session_count(self, obj):
        return getattr(obj, "_session_count", None)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the lifecycle services: shown, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PeriodValidation)
class PeriodValidationAdmin(ReadOnlyAdmin):
    """Validation reports; their runs (status, who, when) are jobs (the Background jobs admin)."""

    list_display = ["period", "finished_at", "session_count", "error_count", "warning_count"]
    list_select_related = ["period__base_roster", "job"]
    search_fields = ["period__base_roster__name"]
    exclude = ["report"]
    date_hierarchy = "job__finished_at"

    @admin.display(description="Finished", ordering="job__finished_at")
    def finished_at(self, obj):
        return obj.job.finished_at


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["subject", "worker", "email", "created_at", "sent_at"]
    list_filter = ["sent_at"]
    list_select_related = ["worker", "period__base_roster"]
    search_fields = ["subject", "worker__first_name", "worker__last_name", "email"]
    date_hierarchy = "created_at"
