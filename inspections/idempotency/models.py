from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class ClientWrite(models.Model):
    """The receipt of one write made on a device (an answer, a photo, a deletion, a signature...), keyed by the
    UUID the device gave it. Stored in the same transaction as the write, so a replayed request finds it and
    is answered with the first answer instead of being applied a second time (inspections.idempotency.services)."""

    client_uuid = models.UUIDField(unique=True, editable=False)
    visit = models.ForeignKey("inspections.Visit", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    applied_at = models.DateTimeField(auto_now_add=True)
