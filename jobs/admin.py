from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Written by the services of the apps that run jobs: shown, never edited by hand."""

    list_display = [
        "kind", "target_type", "target_id", "status", "done", "total", "requested_by",
        "created_at", "heartbeat_at", "finished_at",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["target_type", "requested_by"]
    search_fields = ["kind", "message"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
