from django import forms
from django.contrib import admin

from .deadlines import calendar_days_validate, calendar_year_enter
from .models import CalendarDay, CalendarYear, Deadline


class CalendarDayFormSet(forms.BaseInlineFormSet):
    def _days(self, kind):
        return {f.cleaned_data["date"]: f.cleaned_data.get("name", "") for f in self.forms
                if f.cleaned_data and "date" in f.cleaned_data  # a row with an invalid date has its own error
                and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("kind") == kind}

    def clean(self):
        super().clean()
        year = getattr(self.instance, "year", None)
        if year:  # the same rules as the service that enters the year
            calendar_days_validate(year=year, holidays=self._days("holiday"), workdays=self._days("workday"))


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    formset = CalendarDayFormSet
    extra = 3


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "note", "entered_at"]
    inlines = [CalendarDayInline]

    def save_related(self, request, form, formsets, change):
        """The days as saved go in again through calendar_year_enter, which also recomputes provisional deadlines."""
        super().save_related(request, form, formsets, change)
        year = form.instance
        days = {kind: {d.date: d.name for d in year.days.filter(kind=kind)} for kind in ("holiday", "workday")}
        calendar_year_enter(year=year.year, holidays=days["holiday"], workdays=days["workday"], note=year.note)


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["purpose", "start_date", "working_days", "granted_date", "due_at", "provisional", "is_open"]
    list_filter = ["provisional", "is_open"]
    readonly_fields = ["purpose", "start_date", "working_days", "granted_date", "due_at", "provisional", "is_open"]

    def has_add_permission(self, request):
        return False  # deadlines are written by the flows; an empty one was an IntegrityError (a 500)
