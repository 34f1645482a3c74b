from django.contrib import admin

from .models import Notification, NotificationPreference, OrganizationWebhook, WebhookDelivery


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False  # written by the system only; every field is read-only, so an add was an IntegrityError


@admin.register(OrganizationWebhook)
class OrganizationWebhookAdmin(admin.ModelAdmin):
    list_display = ["organization", "kind", "markdown", "active"]
    list_filter = ["kind", "active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["webhook", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False  # written by the system only; every field is read-only, so an add was an IntegrityError


admin.site.register(NotificationPreference)
