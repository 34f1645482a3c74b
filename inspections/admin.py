from django.contrib import admin

from inspections.checklists.admin import template_in_use
from inspections.audit.models import AuditEvent
from inspections.checklists.models import ChecklistItem, ChecklistSection, ChecklistTemplate


class ChecklistSectionInline(admin.TabularInline):
    model = ChecklistSection
    extra = 0

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and template_in_use(obj))

    has_add_permission = has_delete_permission = has_change_permission


class FrozenOnceUsedAdmin(admin.ModelAdmin):
    """A version that a visit or campaign uses is history: the operator may read it, not change it.
    Edits go through the checklist screens (checklist_item_update), which make the next version."""

    def template_of(self, obj) -> ChecklistTemplate:
        raise NotImplementedError

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and template_in_use(self.template_of(obj)))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and template_in_use(self.template_of(obj)))


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(FrozenOnceUsedAdmin):
    list_display = ["title", "code", "version", "is_active"]
    inlines = [ChecklistSectionInline]

    def template_of(self, obj):
        return obj


@admin.register(ChecklistItem)
class ChecklistItemAdmin(FrozenOnceUsedAdmin):
    list_display = ["code", "title", "severity", "hazard", "section"]
    list_filter = ["severity", "hazard", "section__template"]

    def template_of(self, obj):
        return obj.section.template


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
