from django.contrib import admin

from .models import AuditEvent, ChecklistItem, ChecklistSection, ChecklistTemplate


class ChecklistSectionInline(admin.TabularInline):
    model = ChecklistSection
    extra = 0


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "version", "is_active"]
    inlines = [ChecklistSectionInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "severity", "hazard", "section"]
    list_filter = ["severity", "hazard", "section__template"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, so the admin offers no add, change or delete."""

    list_display = ["created_at", "actor", "action", "organization", "order", "ip"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
