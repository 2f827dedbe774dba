"""Admin for sessions, their attendees, planned services and activities.

Times: the session form is shown and read in the site's time zone (wall-clock time at the
site), like everywhere else in the product; the changelist shows each session's local times.

Sessions and what hangs off them (clients, planned services, workers, assets, activities) are
read-only here: every write goes through `sessions_app.services`, which checks the whole session
(an Appointment has one client, clients at the site, agreement lines active on the date …).
The admin points to the session form instead; whole sessions can still be deleted.
"""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from clients.admin import ChangelistPrefetchMixin, ChoiceSelectRelatedMixin

from .models import (
    CancellationReason,
    PlannedService,
    ServiceType,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionSeries,
    SessionType,
    SessionWorker,
)

HOME_LABELS = {
    "base_roster": "Base roster",
    "roster_period": "Roster period",
    "live": "Live schedule",
}


def _planned_services_qs():
    return PlannedService.objects.select_related("support_item").order_by(
        "support_item__item_number"
    )


def _summarise_planned_services(session_client):
    """One line per planned service, from the prefetched `planned_services`."""
    services = list(session_client.planned_services.all())
    if not services:
        return "—"
    return format_html_join(
        mark_safe("<br>"),
        "{} × {} @ {}",
        (
            (ps.support_item.item_number, f"{ps.quantity.normalize():f}", ps.unit_price)
            for ps in services
        ),
    )


def _local(dt, site):
    return f"{dt.astimezone(site.tzinfo):%a %d/%m/%Y %H:%M %Z}"


WRITTEN_BY_THE_SESSION_FORM = (
    "Sessions are changed with the session form, which checks the whole session: "
    "“Roster Session” on a base roster or roster period, “New Session” on the live schedule, "
    "or the session on its grid. The admin shows them read-only; nothing was saved."
)


class WrittenByTheSessionForm:
    """Read-only in the admin: one path for saving sessions, the services behind the form.

    A post to an add or change page (a stale page, a hand-made request) saves nothing and says
    where sessions are changed."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" or object_id is None:
            self.message_user(request, WRITTEN_BY_THE_SESSION_FORM, messages.ERROR)
            opts = self.model._meta
            view = "change" if object_id else "changelist"
            args = [object_id] if object_id else []
            try:
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)
            except NoReverseMatch:
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            return redirect(url)
        return super().changeform_view(request, object_id, form_url, extra_context)


class HistoryAdmin(SimpleHistoryAdmin):
    """The "History" button (django-simple-history): who changed what, when. A record, not an
    undo: its pages of past versions never save (settings.SIMPLE_HISTORY_REVERT_DISABLED hides
    the Revert button; a post is refused here too), so writes keep going through the services.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyInline:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChildOfSession(WrittenByTheSessionForm):
    """A session's child row: removing one alone could break the session's rules too."""

    def has_delete_permission(self, request, obj=None):
        return False


class ClientStatusFilter(admin.ChoicesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "client status"


class SessionStatusFilter(admin.ChoicesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "session status"


@admin.register(SessionType)
class SessionTypeAdmin(ChangelistPrefetchMixin, admin.ModelAdmin):
    list_display = ["name", "qualification_names", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    ordering = ["name"]
    filter_horizontal = ["required_qualifications"]
    changelist_prefetch = ["required_qualifications"]

    @admin.display(description="Required qualifications")
    def qualification_names(self, obj):
        return ", ".join(q.name for q in obj.required_qualifications.all()) or "—"


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    ordering = ["name"]


class HomeFilter(admin.SimpleListFilter):
    title = "home"
    parameter_name = "home"

    def lookups(self, request, model_admin):
        return list(HOME_LABELS.items())

    def queryset(self, request, queryset):
        value = self.value()
        if value == "base_roster":
            return queryset.filter(base_roster__isnull=False)
        if value == "roster_period":
            return queryset.filter(roster_period__isnull=False)
        if value == "live":
            return queryset.filter(base_roster__isnull=True, roster_period__isnull=True)
        return queryset


class SessionClientInline(ReadOnlyInline, admin.TabularInline):
    model = SessionClient
    fields = [
        "client",
        "status",
        "reason",
        "cancellation_reason",
        "short_notice",
        "claimable",
        "planned_services_summary",
    ]
    readonly_fields = ["planned_services_summary"]
    autocomplete_fields = ["client"]
    extra = 0
    show_change_link = True
    verbose_name = "client"
    verbose_name_plural = "Clients"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("client", "session", "reason")
            .prefetch_related(Prefetch("planned_services", queryset=_planned_services_qs()))
        )

    @admin.display(description="Planned services")
    def planned_services_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return _summarise_planned_services(obj)


class SessionWorkerInline(ReadOnlyInline, admin.TabularInline):
    model = SessionWorker
    fields = ["worker"]
    autocomplete_fields = ["worker"]
    extra = 0
    verbose_name = "worker"
    verbose_name_plural = "Workers"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("worker", "session")


class SessionAssetInline(ReadOnlyInline, admin.TabularInline):
    model = SessionAsset
    fields = ["asset"]
    autocomplete_fields = ["asset"]
    extra = 0
    verbose_name = "asset"
    verbose_name_plural = "Assets"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("asset", "session")


class SessionActivityInline(ReadOnlyInline, admin.TabularInline):
    model = SessionActivity
    fields = ["kind", "start", "end", "paid"]
    extra = 0
    verbose_name = "session activity"
    verbose_name_plural = "Session activities"


class SiteTimeZoneMixin:
    """Show and read date-times on the change form in the site's time zone.

    The site comes from the posted form (`tz_post_field`, then `tz_post_lookup` on its model)
    or else from the saved object (`tz_object_lookup`).
    """

    tz_post_field = "site"
    tz_post_lookup = "time_zone"
    tz_object_lookup = "site__time_zone"

    def _site_tz(self, request, object_id):
        name = None
        posted = request.POST.get(self.tz_post_field) if request.method == "POST" else None
        if posted:
            related = self.model._meta.get_field(self.tz_post_field).related_model
            name = (
                related._default_manager.filter(pk=posted)
                .values_list(self.tz_post_lookup, flat=True)
                .first()
            )
        if not name and object_id:
            name = (
                self.model._default_manager.filter(pk=object_id)
                .values_list(self.tz_object_lookup, flat=True)
                .first()
            )
        return zoneinfo.ZoneInfo(name) if name else None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            tz = self._site_tz(request, object_id)
        except (ValueError, TypeError, zoneinfo.ZoneInfoNotFoundError):
            tz = None
        if tz is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(tz):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # Template responses render lazily: render while the site's zone is active.
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response


@admin.register(Session)
class SessionAdmin(WrittenByTheSessionForm, SiteTimeZoneMixin, HistoryAdmin):
    list_display = [
        "subject",
        "local_start_display",
        "local_end_display",
        "site",
        "work_type",
        "session_type",
        "billable",
        "status",
        "home_display",
    ]
    list_filter = [
        "status",
        "work_type",
        "billable",
        "site__region",
        "site",
        "session_type",
        HomeFilter,
    ]
    search_fields = ["subject", "site__name"]
    ordering = ["-start"]
    date_hierarchy = "start"
    list_select_related = ["site", "session_type", "base_roster", "roster_period__base_roster"]
    autocomplete_fields = [
        "site",
        "base_roster",
        "roster_period",
        "source_session",
        "group_template",
    ]
    filter_horizontal = ["service_types"]
    readonly_fields = [
        "session_form_link", "home_display", "local_times", "created_at", "updated_at"
    ]
    show_full_result_count = False
    list_per_page = 50
    save_on_top = True
    inlines = [SessionClientInline, SessionWorkerInline, SessionAssetInline, SessionActivityInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "session_form_link",
                    ("work_type", "billable"),
                    "session_type",
                    ("start", "end"),
                    "local_times",
                    "subject",
                    ("site", "region"),
                    "status",
                ],
                "description": (
                    "Start and end are wall-clock times at the session's site "
                    f"(new sessions: {settings.TIME_ZONE} until a site is saved)."
                ),
            },
        ),
        ("Group", {"fields": ["group_template", "ratio"], "classes": ["collapse"]}),
        (
            "Home",
            {
                "fields": ["home_display", "base_roster", "roster_period", "source_session"],
                "description": "Base roster, roster period, or neither for the live schedule.",
            },
        ),
        (
            "Details",
            {"fields": ["service_types", "comments", "employee_message", "recurrence"]},
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # A select_related here makes the changelist skip list_select_related: keep them one.
        return super().get_queryset(request).select_related(*self.list_select_related)

    @admin.display(description="Start", ordering="start")
    def local_start_display(self, obj):
        return f"{obj.local_start:%a %d/%m/%Y %H:%M %Z}"

    @admin.display(description="End", ordering="end")
    def local_end_display(self, obj):
        end = obj.local_end
        if end.date() == obj.local_start.date():
            return f"{end:%H:%M}"
        return f"{end:%a %d/%m %H:%M}"

    @admin.display(description="Local times at the site")
    def local_times(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return (
            f"{obj.local_start:%a %d/%m/%Y %H:%M} – {obj.local_end:%a %d/%m/%Y %H:%M} "
            f"({obj.site.time_zone})"
        )

    @admin.display(description="Change")
    def session_form_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("sessions_app:edit", args=[obj.pk])
        return format_html('<a href="{}">Open the session form</a>', url)

    @admin.display(description="Home")
    def home_display(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        if obj.base_roster_id:
            return f"Base roster: {obj.base_roster}"
        if obj.roster_period_id:
            return f"Roster period: {obj.roster_period}"
        return HOME_LABELS["live"]


class PlannedServiceInline(ReadOnlyInline, ChoiceSelectRelatedMixin, admin.TabularInline):
    model = PlannedService
    fields = [
        "agreement_line",
        "support_item",
        "group_template_item",
        "quantity",
        "unit_price",
    ]
    autocomplete_fields = ["agreement_line", "support_item", "group_template_item"]
    fk_select_related = {
        "agreement_line": ("support_item",),
        "group_template_item": ("template", "support_item"),
    }
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("support_item")


class SessionStartColumn:
    """A "Session start" column at the session's site clock."""

    @admin.display(description="Session start", ordering="session__start")
    def session_start(self, obj):
        return _local(obj.session.start, obj.session.site)


@admin.register(SessionClient)
class SessionClientAdmin(
    ChildOfSession,
    SessionStartColumn,
    ChangelistPrefetchMixin,
    ChoiceSelectRelatedMixin,
    SiteTimeZoneMixin,
    admin.ModelAdmin,
):
    list_display = [
        "client",
        "session",
        "session_start",
        "status",
        "reason",
        "short_notice",
        "claimable",
        "planned_services_summary",
    ]
    list_filter = ["status", "short_notice", "claimable", "reason", "session__site__region",
                   "session__site"]
    search_fields = [
        "client__last_name",
        "client__first_name",
        "client__preferred_name",
        "=client__ndis_number",
        "session__subject",
    ]
    ordering = ["-session__start", "client__last_name"]
    autocomplete_fields = ["session", "client"]
    list_select_related = ["client", "session__site", "reason"]
    fk_select_related = {"session": ("site",)}
    show_full_result_count = False
    list_per_page = 50
    tz_post_field = "session"
    tz_post_lookup = "site__time_zone"
    tz_object_lookup = "session__site__time_zone"
    inlines = [PlannedServiceInline]

    def get_queryset(self, request):
        # `str()` names the client and the session (autocomplete results on planned services).
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_changelist_prefetch(self, request):
        return [Prefetch("planned_services", queryset=_planned_services_qs())]

    @admin.display(description="Planned services")
    def planned_services_summary(self, obj):
        return _summarise_planned_services(obj)


@admin.register(PlannedService)
class PlannedServiceAdmin(ChildOfSession, ChoiceSelectRelatedMixin, admin.ModelAdmin):
    list_display = [
        "support_item",
        "client",
        "session_when",
        "quantity",
        "unit_price",
        "amount",
        "agreement_line",
        "group_template_item",
    ]
    list_filter = [
        "support_item__unit",
        "agreement_line__agreement__funding_source",
        ("session_client__status", ClientStatusFilter),
        ("session_client__session__status", SessionStatusFilter),
        "session_client__session__site__region",
    ]
    search_fields = [
        "support_item__item_number",
        "support_item__name",
        "session_client__client__last_name",
        "session_client__client__first_name",
        "session_client__session__subject",
    ]
    ordering = ["-session_client__session__start", "support_item__item_number"]
    autocomplete_fields = [
        "session_client",
        "agreement_line",
        "support_item",
        "group_template_item",
    ]
    list_select_related = [
        "support_item",
        "session_client__client",
        "session_client__session__site",
        "agreement_line__support_item",
        "agreement_line__agreement__client",
        "group_template_item__template",
        "group_template_item__support_item",
    ]
    fk_select_related = {
        "session_client": ("client", "session"),
        "agreement_line": ("support_item",),
        "group_template_item": ("template", "support_item"),
    }
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request):
        # A select_related here makes the changelist skip list_select_related: keep them one.
        return super().get_queryset(request).select_related(*self.list_select_related)

    @admin.display(description="Client", ordering="session_client__client__last_name")
    def client(self, obj):
        return obj.session_client.client

    @admin.display(description="Session", ordering="session_client__session__start")
    def session_when(self, obj):
        session = obj.session_client.session
        return f"{_local(session.start, session.site)} · {session.site}"

    @admin.display(description="Amount")
    def amount(self, obj):
        return obj.amount.quantize(Decimal("0.01"))


@admin.register(SessionWorker)
class SessionWorkerAdmin(ChildOfSession, SessionStartColumn, admin.ModelAdmin):
    list_display = ["worker", "session", "session_start"]
    list_filter = ["session__status", "session__site__region", "session__site"]
    search_fields = ["worker__last_name", "worker__first_name", "session__subject"]
    ordering = ["-session__start", "worker__last_name"]
    autocomplete_fields = ["session", "worker"]
    list_select_related = ["worker", "session__site"]
    show_full_result_count = False
    list_per_page = 50


@admin.register(SessionAsset)
class SessionAssetAdmin(ChildOfSession, SessionStartColumn, admin.ModelAdmin):
    list_display = ["asset", "session", "session_start"]
    list_filter = ["asset__kind", "asset__region", "session__status"]
    search_fields = ["asset__name", "asset__registration", "session__subject"]
    ordering = ["-session__start", "asset__name"]
    autocomplete_fields = ["session", "asset"]
    list_select_related = ["asset", "session__site"]
    show_full_result_count = False
    list_per_page = 50


@admin.register(SessionActivity)
class SessionActivityAdmin(
    ChildOfSession, ChoiceSelectRelatedMixin, SiteTimeZoneMixin, admin.ModelAdmin
):
    list_display = ["kind", "session", "local_start_display", "local_end_display", "paid"]
    list_display_links = ["kind"]
    list_filter = ["kind", "paid", "session__site__region"]
    search_fields = ["session__subject"]
    ordering = ["-start"]
    autocomplete_fields = ["session"]
    list_select_related = ["session__site"]
    show_full_result_count = False
    list_per_page = 50
    fk_select_related = {"session": ("site",)}
    tz_post_field = "session"
    tz_post_lookup = "site__time_zone"
    tz_object_lookup = "session__site__time_zone"

    @admin.display(description="Start", ordering="start")
    def local_start_display(self, obj):
        return _local(obj.start, obj.session.site)

    @admin.display(description="End", ordering="end")
    def local_end_display(self, obj):
        return _local(obj.end, obj.session.site)


@admin.register(SessionSeries)
class SessionSeriesAdmin(WrittenByTheSessionForm, admin.ModelAdmin):
    """Recurring sessions made with New Session; each occurrence is a session of its own."""

    list_display = ["summary_display", "rule", "first_start", "session_count", "created_by",
                    "created_at"]
    list_select_related = ["created_by"]
    search_fields = ["rule", "sessions__subject"]
    readonly_fields = ["summary_display", "rule", "first_start", "created_by", "created_at"]
    fields = readonly_fields
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("sessions"))

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset, True  # searching through sessions may list a series twice

    @admin.display(description="Recurrence")
    def summary_display(self, obj):
        return str(obj)

    @admin.display(description="Sessions", ordering="session_count")
    def session_count(self, obj):
        return obj.session_count


@admin.register(CancellationReason)
class CancellationReasonAdmin(admin.ModelAdmin):
    """NDIS's reasons come with the product; a provider adds its own (or retires one: untick
    Active, as reasons already given must stay)."""

    list_display = ["code", "label", "active"]
    list_filter = ["active"]
    search_fields = ["code", "label"]
    ordering = ["code"]

    def has_delete_permission(self, request, obj=None):
        return False
