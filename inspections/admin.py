from django.contrib import admin

from .models import ChecklistItem, ChecklistSection, ChecklistTemplate


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
