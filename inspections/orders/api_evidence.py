"""What an order's detail carries back: its reports, re-checks and evidence, with download links.

Every file link goes through the order's permission-checked file view (`orders:file`: only those who see
the order, only files attached to it), never to the storage URL, so a link copied out of a response gives
nobody else the file. A fixed number of queries whatever the order's length (four: reports, their files,
re-checks, their files).
"""
from django.db.models import F
from django.urls import reverse
from rest_framework import serializers

from inspections.evidence.models import Attachment

from inspections.orders.models import Recheck, RectificationReport


class FileLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField(help_text="下载（须有权查看该整改通知书） / download, permission-checked")
    thumbnail = serializers.CharField(allow_null=True)


def file_link(order_pk: int, attachment: Attachment) -> dict:
    return {"id": attachment.pk, "name": attachment.original_name or str(attachment),
            "content_type": attachment.content_type, "size": attachment.size,
            "url": reverse("orders:file", args=[order_pk, attachment.pk]),
            "thumbnail": reverse("orders:thumb", args=[order_pk, attachment.pk]) if attachment.thumbnail else None}


def _person(user) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


class ReportOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RectificationReport.Status.choices)
    measures = serializers.CharField()
    submitted_by = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    approved_at = serializers.DateTimeField(allow_null=True)
    review_note = serializers.CharField(allow_blank=True)
    files = FileLinkSerializer(many=True)


class RecheckOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    method = serializers.ChoiceField(choices=Recheck.Method.choices)
    result = serializers.ChoiceField(choices=Recheck.Result.choices)
    notes = serializers.CharField(allow_blank=True)
    checked_by = serializers.CharField(allow_null=True)
    checked_at = serializers.DateTimeField()
    files = FileLinkSerializer(many=True)


def reports_of(order) -> list[dict]:
    files = _files_by(order, "reports")
    return [{"id": r.pk, "round": r.round, "status": r.status, "measures": r.measures,
             "submitted_by": _person(r.submitted_by), "submitted_at": r.submitted_at, "approved_at": r.approved_at,
             "review_note": r.review_note, "files": files.get(r.pk, [])}
            for r in order.reports.select_related("submitted_by")]


def rechecks_of(order) -> list[dict]:
    files = _files_by(order, "rechecks")
    return [{"id": c.pk, "round": c.round, "method": c.method, "result": c.result, "notes": c.notes,
             "checked_by": _person(c.checked_by), "checked_at": c.checked_at, "files": files.get(c.pk, [])}
            for c in order.rechecks.select_related("checked_by")]


def _files_by(order, relation: str) -> dict[int, list[dict]]:
    """The links of the order's report or re-check files by their row: one query even when there are no
    rows yet (a prefetch would skip it), so an order's detail costs the same at every stage."""
    rows = Attachment.objects.filter(**{f"{relation}__order": order}).annotate(
        owner_id=F(f"{relation}__id")).order_by("pk")
    files: dict[int, list[dict]] = {}
    for attachment in rows:
        files.setdefault(attachment.owner_id, []).append(file_link(order.pk, attachment))
    return files


class FindingOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    severity = serializers.CharField()
    hazard = serializers.BooleanField()
    attachments = serializers.ListField(child=serializers.IntegerField(), help_text="附件 id（同 files[].id）")
    files = FileLinkSerializer(many=True)


def findings_of(order) -> list[dict]:
    findings = order.findings.prefetch_related("attachments")
    return [{"id": f.pk, "description": f.description, "severity": f.severity, "hazard": f.hazard,
             "attachments": [a.pk for a in f.attachments.all()],
             "files": [file_link(order.pk, a) for a in f.attachments.all()]} for f in findings]


def pdf_link(order) -> str:
    return reverse("reports:order-pdf", args=[order.pk])
