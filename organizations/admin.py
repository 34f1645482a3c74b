"""The operator's view of the tree (config/admin_site.py: superusers only); role admins use organizations/views_admin.py."""
from django.contrib import admin

from .models import Membership, Organization
from .services import organization_save


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code", "short_name"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        # Paths and guardian grants of the subtree follow the parent.
        organization_save(organization=obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__kind"]
    search_fields = ["user__username", "user__first_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
