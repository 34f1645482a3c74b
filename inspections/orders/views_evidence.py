"""An order's evidence: before/after pairs per finding, the original download and its hash check.

Every view fetches the order through get_order_for_user (404 for anyone who may not see it) and only
evidence linked to that order (its findings, reports and re-checks), exactly like the order's file view.
What is displayed is watermarked (inspections.evidence.watermark); the original is served byte for byte, as a download.
"""
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.views.decorators.http import require_GET

from inspections.evidence.services import download_name
from inspections.evidence.models import Attachment
from inspections.orders.selectors import get_order_for_user
from inspections.evidence.watermark import pairs_of, verify  # noqa: F401 (pairs_of: the order page's pairs)


def order_evidence_for_user(user, pk, attachment_pk) -> Attachment:
    """One file of an order the user may see; other files of the same school stay out of reach (404)."""
    order = get_order_for_user(user, pk)
    linked = Q(findings__order=order) | Q(reports__order=order) | Q(rechecks__order=order)
    attachment = Attachment.objects.filter(linked, pk=attachment_pk).distinct().first()
    if attachment is None:
        raise Http404("no such file")
    return attachment


@login_required
@require_GET
def original(request, pk, attachment_pk):
    """The bytes as they arrived, never re-encoded or watermarked: what a court compares with the hash."""
    attachment = order_evidence_for_user(request.user, pk, attachment_pk)
    field = attachment.original or attachment.file
    response = FileResponse(field.open("rb"), content_type="application/octet-stream", as_attachment=True,
                            filename="original-" + download_name(attachment))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private"
    return response


@login_required
@require_GET
def check(request, pk, attachment_pk):
    """Re-verify on demand: the SHA-256 of the stored original now against the one recorded on arrival."""
    result = verify(order_evidence_for_user(request.user, pk, attachment_pk))
    return JsonResponse({"ok": result.ok, "expected": result.expected, "actual": result.actual,
                         "of_original": result.of_original, "message": result.message},
                        json_dumps_params={"ensure_ascii": False})
