"""Admin for regions, sites, clients, the support-item catalogue, agreements and group templates.

Also home of two small mixins the other apps' admins share:

- `ChangelistPrefetchMixin`: `changelist_prefetch` (or `get_changelist_prefetch()`) lookups
  are prefetched for the changelist
  only (not for the change page, autocomplete or delete views), so many-to-many columns cost
  one query per page instead of one per row.
- `ChoiceSelectRelatedMixin`: `fk_select_related = {"field": ("rel", ...)}` adds
  `select_related` to a foreign key's choices, so the autocomplete widget (or select) renders
  `str()` of the selected object without extra queries.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count

from .models import (
    Client,
    GroupTemplate,
    GroupTemplateItem,
    Region,
    RegionAccess,
    ServiceAgreement,
    ServiceAgreementLine,
    Site,
    SupportItem,
)


class ChangelistPrefetchMixin:
    changelist_prefetch = ()

    def get_changelist_prefetch(self, request):
        return tuple(self.changelist_prefetch)

    def get_changelist(self, request, **kwargs):
        prefetch = self.get_changelist_prefetch(request)
        base = super().get_changelist(request, **kwargs)
        if not prefetch:
            return base

        class PrefetchingChangeList(base):
            def get_queryset(self, request, exclude_parameters=None):
                qs = super().get_queryset(request, exclude_parameters)
                return qs.prefetch_related(*prefetch)

        return PrefetchingChangeList


class ChoiceSelectRelatedMixin:
    fk_select_related: dict[str, tuple[str, ...]] = {}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        related = self.fk_select_related.get(db_field.name)
        if field is not None and related:
            field.queryset = field.queryset.select_related(*related)
        return field


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    ordering = ["name"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "state", "time_zone", "address", "active"]
    list_filter = ["active", "region", "state", "time_zone"]
    search_fields = ["name", "address", "region__name"]
    ordering = ["name"]
    list_select_related = ["region"]
    list_per_page = 100


class ServiceAgreementInline(admin.TabularInline):
    model = ServiceAgreement
    fields = ["reference", "start_date", "end_date", "funding_source"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("client")


@admin.register(Client)
class ClientAdmin(ChangelistPrefetchMixin, admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "preferred_name",
        "ndis_number",
        "date_of_birth",
        "status",
        "site_names",
    ]
    list_display_links = ["last_name", "first_name"]
    list_filter = ["status", "sites__region", "sites"]
    search_fields = ["last_name", "first_name", "preferred_name", "=ndis_number"]
    ordering = ["last_name", "first_name"]
    autocomplete_fields = ["sites"]
    changelist_prefetch = ["sites"]
    show_full_result_count = False
    list_per_page = 50
    inlines = [ServiceAgreementInline]
    fieldsets = [
        (None, {"fields": [("first_name", "last_name"), "preferred_name", "date_of_birth"]}),
        ("Funding and status", {"fields": ["ndis_number", "status"]}),
        ("Sites", {"fields": ["sites"]}),
        ("Notes", {"fields": ["notes"], "classes": ["collapse"]}),
    ]

    @admin.display(description="Sites")
    def site_names(self, obj):
        return ", ".join(site.name for site in obj.sites.all()) or "—"


@admin.register(SupportItem)
class SupportItemAdmin(admin.ModelAdmin):
    list_display = ["item_number", "name", "unit", "price", "cancellation_notice_days",
                    "notice_in_business_days", "active"]
    list_filter = ["active", "unit", "notice_in_business_days"]
    search_fields = ["item_number", "name"]
    ordering = ["item_number"]
    list_per_page = 100


class ServiceAgreementLineInline(admin.TabularInline):
    model = ServiceAgreementLine
    fields = ["support_item", "budget_quantity", "budget_amount", "delivery_ratio"]
    autocomplete_fields = ["support_item"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("support_item")


@admin.register(ServiceAgreement)
class ServiceAgreementAdmin(admin.ModelAdmin):
    list_display = [
        "client",
        "reference",
        "start_date",
        "end_date",
        "funding_source",
        "line_count",
    ]
    list_filter = ["funding_source", "start_date", "end_date"]
    search_fields = [
        "client__last_name",
        "client__first_name",
        "client__preferred_name",
        "=client__ndis_number",
        "reference",
    ]
    ordering = ["client__last_name", "client__first_name", "-start_date"]
    autocomplete_fields = ["client"]
    list_select_related = ["client"]
    date_hierarchy = "start_date"
    show_full_result_count = False
    list_per_page = 50
    inlines = [ServiceAgreementLineInline]

    def get_queryset(self, request):
        # `str()` of an agreement names the client (autocomplete results, change page title).
        qs = super().get_queryset(request).select_related(*self.list_select_related)
        return qs.annotate(_line_count=Count("lines"))

    @admin.display(description="Lines", ordering="_line_count")
    def line_count(self, obj):
        return getattr(obj, "_line_count", None)


@admin.register(ServiceAgreementLine)
class ServiceAgreementLineAdmin(ChoiceSelectRelatedMixin, admin.ModelAdmin):
    list_display = [
        "support_item",
        "agreement",
        "delivery_ratio",
        "budget_quantity",
        "budget_amount",
    ]
    list_filter = ["delivery_ratio", "support_item__unit", "agreement__funding_source"]
    search_fields = [
        "support_item__item_number",
        "support_item__name",
        "agreement__client__last_name",
        "agreement__client__first_name",
        "agreement__reference",
    ]
    ordering = ["agreement__client__last_name", "-agreement__start_date"]
    autocomplete_fields = ["agreement", "support_item"]
    list_select_related = ["agreement__client", "support_item"]
    fk_select_related = {"agreement": ("client",)}
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request):
        # `str()` uses the support item (autocomplete results on planned services).
        return super().get_queryset(request).select_related(*self.list_select_related)


class GroupTemplateItemInline(admin.TabularInline):
    model = GroupTemplateItem
    fields = ["support_item", "quantity"]
    autocomplete_fields = ["support_item"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("support_item", "template")


@admin.register(GroupTemplate)
class GroupTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "ratio", "member_count", "item_count", "active"]
    list_filter = ["active", "site__region", "site"]
    search_fields = ["name", "site__name"]
    ordering = ["site__name", "name"]
    autocomplete_fields = ["site", "members"]
    list_select_related = ["site"]
    inlines = [GroupTemplateItemInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related)
            .annotate(
                _member_count=Count("members", distinct=True),
                _item_count=Count("items", distinct=True),
            )
        )

    @admin.display(description="Members", ordering="_member_count")
    def member_count(self, obj):
        return getattr(obj, "_member_count", None)

    @admin.display(description="Items", ordering="_item_count")
    def item_count(self, obj):
        return getattr(obj, "_item_count", None)


@admin.register(GroupTemplateItem)
class GroupTemplateItemAdmin(ChoiceSelectRelatedMixin, admin.ModelAdmin):
    list_display = ["template", "support_item", "quantity"]
    list_filter = ["template__site__region", "template__site", "support_item__unit"]
    search_fields = ["template__name", "support_item__item_number", "support_item__name"]
    ordering = ["template__site__name", "template__name", "support_item__item_number"]
    autocomplete_fields = ["template", "support_item"]
    list_select_related = ["template__site", "support_item"]
    fk_select_related = {"template": ("site",)}

    def get_queryset(self, request):
        # `str()` uses the template and the support item (autocomplete on planned services).
        return super().get_queryset(request).select_related(*self.list_select_related)


# --- a user's regions: set on the user, in the admin ------------------------------------------
class RegionAccessInline(admin.StackedInline):
    model = RegionAccess
    can_delete = False
    fields = ["all_regions", "regions"]
    filter_horizontal = ["regions"]
    verbose_name_plural = "Regions (the data this user sees and changes)"


User = get_user_model()
BaseUserAdmin = type(admin.site._registry[User]) if admin.site.is_registered(User) else UserAdmin


class UserWithRegionsAdmin(BaseUserAdmin):
    inlines = [*BaseUserAdmin.inlines, RegionAccessInline]


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserWithRegionsAdmin)
