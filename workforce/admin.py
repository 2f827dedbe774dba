"""Admin for workers (qualifications, unavailability) and assets."""

from django.contrib import admin
from django.utils import timezone

from clients.admin import ChangelistPrefetchMixin

from .models import Asset, Qualification, Worker, WorkerQualification, WorkerUnavailability


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    ordering = ["name"]
    prepopulated_fields = {"code": ["name"]}


class ActiveTodayFilter(admin.SimpleListFilter):
    title = "active today"
    parameter_name = "active_today"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.active_on(today)
        if self.value() == "no":
            return queryset.inactive_on(today)
        return queryset


class WorkerQualificationInline(admin.TabularInline):
    model = WorkerQualification
    fields = ["qualification", "obtained_on", "expires_on"]
    autocomplete_fields = ["qualification"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("qualification", "worker")


class WorkerUnavailabilityInline(admin.TabularInline):
    model = WorkerUnavailability
    fields = ["kind", "start", "end", "reason"]
    extra = 0
    ordering = ["-start"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("worker")


@admin.register(Worker)
class WorkerAdmin(ChangelistPrefetchMixin, admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "email",
        "phone",
        "region_names",
        "active_from",
        "active_to",
        "user",
    ]
    list_display_links = ["last_name", "first_name"]
    list_filter = [ActiveTodayFilter, "regions"]
    search_fields = ["last_name", "first_name", "email", "phone"]
    ordering = ["last_name", "first_name"]
    autocomplete_fields = ["user", "regions"]
    list_select_related = ["user"]
    changelist_prefetch = ["regions"]
    show_full_result_count = False
    list_per_page = 50
    inlines = [WorkerQualificationInline, WorkerUnavailabilityInline]
    fieldsets = [
        (None, {"fields": [("first_name", "last_name"), ("email", "phone"), "user"]}),
        ("Availability", {"fields": ["regions", ("active_from", "active_to")]}),
    ]

    @admin.display(description="Regions")
    def region_names(self, obj):
        return ", ".join(region.name for region in obj.regions.all()) or "—"


@admin.register(WorkerQualification)
class WorkerQualificationAdmin(admin.ModelAdmin):
    list_display = ["worker", "qualification", "obtained_on", "expires_on"]
    list_filter = ["qualification", "expires_on"]
    search_fields = ["worker__last_name", "worker__first_name", "qualification__name"]
    ordering = ["worker__last_name", "worker__first_name", "qualification__name"]
    autocomplete_fields = ["worker", "qualification"]
    list_select_related = ["worker", "qualification"]
    show_full_result_count = False
    list_per_page = 50


@admin.register(WorkerUnavailability)
class WorkerUnavailabilityAdmin(admin.ModelAdmin):
    list_display = ["worker", "kind", "start", "end", "reason"]
    list_filter = ["kind", "worker__regions"]
    search_fields = ["worker__last_name", "worker__first_name", "reason"]
    ordering = ["-start"]
    autocomplete_fields = ["worker"]
    list_select_related = ["worker"]
    date_hierarchy = "start"
    show_full_result_count = False
    list_per_page = 50


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "registration", "active"]
    list_filter = ["active", "kind", "region"]
    search_fields = ["name", "registration"]
    ordering = ["region__name", "kind", "name"]
    list_select_related = ["region"]
