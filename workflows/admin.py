from django.contrib import admin
from django.db import transaction

from .deadlines import recompute_provisional
from .models import CalendarDay, CalendarYear, Deadline


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "note", "entered_at"]
    inlines = [CalendarDayInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        year = form.instance.year
        # Deadlines estimated on weekends alone become final once the year is known.
        transaction.on_commit(lambda: recompute_provisional(year=year))


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["purpose", "start_date", "working_days", "due_at", "provisional", "is_open"]
    list_filter = ["provisional", "is_open"]
    readonly_fields = ["purpose", "start_date", "working_days", "due_at", "provisional", "is_open"]
