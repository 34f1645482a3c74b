"""Integrators' webhooks: an organisation's HTTPS endpoint, the events it chose, and its signed deliveries.

Deliveries are an outbox like the group robots' (notifications.models.WebhookDelivery): written in the
transaction of the change, sent after commit, retried with the same back-off (notifications.delivery.attempt).
"""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.models import WebhookDelivery


class Endpoint(models.Model):
    """Where an organisation's integrator hears of events on objects inside the organisation's subtree."""

    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE,
                                     related_name="event_endpoints", verbose_name=_("机构"))
    url = models.URLField(_("接收地址"), max_length=500)
    # Kept readable: the server signs with it. Shown to the admin once, when made or rotated.
    secret = models.CharField(max_length=80, editable=False)
    events = models.JSONField(_("事件类型"), default=list)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    client_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("事件推送地址")
        verbose_name_plural = _("事件推送地址")

    def __str__(self):
        return f"{self.organization} · {self.url}"

    @property
    def secret_hint(self) -> str:
        return f"{self.secret[:10]}…" if self.secret else ""


class Delivery(models.Model):
    """One event to one endpoint. `uuid` is sent as X-Dudao-Delivery: the same on every retry (receiver dedupe)."""

    Status = WebhookDelivery.Status  # the same values: notifications.delivery.attempt writes them

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=WebhookDelivery.Status.choices,
                              default=WebhookDelivery.Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("事件推送记录")
        verbose_name_plural = _("事件推送记录")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhooks_delivery_due")]


class CreateReceipt(models.Model):
    """The receipt of an API create whose model has no client UUID column (campaigns, draws): which object a
    client's UUID made, so a replay answers that object instead of making another (inspections.idempotency.services).

    Kept here because this release's migrations for the API's integrators live in this app; the campaign and
    draw tables are unchanged.
    """

    client_uuid = models.UUIDField(unique=True, editable=False)
    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("创建回执")
        verbose_name_plural = _("创建回执")
