from django.contrib import admin

from . import policy
from .models import Membership, Organization
from .roles import Perm
from .services import organization_save


def _managed(request):
    """Organisations this admin may manage: their subtree (superusers: all)."""
    if request.user.is_superuser:
        return Organization.objects.all()
    return policy.orgs_with(request.user, Perm.MANAGE)


class ScopedAdminMixin:
    """Role admins are Django staff; the admin must show them only their own subtree."""

    org_path = "pk"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.org_path}__in": _managed(request)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Organization:
            kwargs["queryset"] = _managed(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code", "short_name"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        # Paths and guardian grants of the subtree follow the parent.
        organization_save(organization=obj)


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    org_path = "organization"
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__kind"]
    search_fields = ["user__username", "user__first_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
