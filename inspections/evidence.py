"""Storing evidence: the type comes from the content, never from the name the client sent."""
import hashlib
import io

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from organizations import policy
from organizations.roles import Perm

from .models import Attachment

# Sniffed MIME type → (kind, stored extension)
ACCEPTED = {
    "image/jpeg": (Attachment.Kind.IMAGE, "jpg"),
    "image/png": (Attachment.Kind.IMAGE, "png"),
    "image/webp": (Attachment.Kind.IMAGE, "webp"),
    "image/heic": (Attachment.Kind.IMAGE, "heic"),
    "image/heif": (Attachment.Kind.IMAGE, "heic"),
    "application/pdf": (Attachment.Kind.DOCUMENT, "pdf"),
}
THUMB_SIZE = (480, 480)
MAY_UPLOAD = (Perm.SCHOOL_REPORT, Perm.INSPECT)


def sniff(head: bytes) -> tuple[str, str, str]:
    """(content type, kind, extension) of accepted content; ValidationError for anything else."""
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ACCEPTED:
        found = kind.mime if kind else _("无法识别")
        raise ValidationError({"file": _("不支持的文件类型（%(found)s）。只接受 JPEG、PNG、WebP、HEIC 图片和 PDF 文档。")
                               % {"found": found}})
    return (kind.mime, *ACCEPTED[kind.mime])


def _read_bounded(upload) -> bytes:
    limit = settings.UPLOAD_MAX_BYTES
    if getattr(upload, "size", None) and upload.size > limit:
        raise ValidationError({"file": _("文件过大：上限为 %(mb)s MB。") % {"mb": round(limit / 1048576, 1)}})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": _("文件过大：上限为 %(mb)s MB。") % {"mb": round(limit / 1048576, 1)}})
    if not data:
        raise ValidationError({"file": _("文件是空的。")})
    return data


def _thumbnail(data: bytes) -> ContentFile | None:
    # HEIC has no decoder in Pillow here: it is stored, shown as a download, no thumbnail.
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail(THUMB_SIZE)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return ContentFile(out.getvalue(), name="thumb.jpg")


def attachment_create(*, upload, organization, uploaded_by) -> Attachment:
    """Validate and store one uploaded file for `organization` (the school it is evidence about)."""
    if not any(policy.can(uploaded_by, perm, organization) for perm in MAY_UPLOAD):
        raise PermissionDenied(_("您不能为该学校上传材料。"))
    data = _read_bounded(upload)
    content_type, kind, extension = sniff(data[:8192])
    thumb = _thumbnail(data) if kind == Attachment.Kind.IMAGE else None
    attachment = Attachment(
        kind=kind, content_type=content_type, extension=extension, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), original_name=(getattr(upload, "name", "") or "")[:255],
        organization=organization, uploaded_by=uploaded_by, uploaded_at=timezone.now(),
    )
    return _store(attachment, data, thumb)


def _store(attachment, data, thumb) -> Attachment:
    """Files first, row last; on any failure the files written so far are removed (nothing half-saved)."""
    try:
        with transaction.atomic():
            attachment.file.save("upload", ContentFile(data), save=False)
            if thumb is not None:
                attachment.thumbnail.save("thumb.jpg", thumb, save=False)
            attachment.save()
    except Exception:
        for field in (attachment.file, attachment.thumbnail):
            if field and field.name:
                field.storage.delete(field.name)
        raise
    return attachment


def delete_files(attachments) -> None:
    """Remove stored files whose rows were rolled back with the caller's transaction."""
    for attachment in attachments:
        for field in (attachment.file, attachment.thumbnail):
            if field and field.name:
                field.storage.delete(field.name)


def submit_with_evidence(*, uploads, organization, uploaded_by, action):
    """Store `uploads`, then call `action(attachments)` in one transaction; on refusal nothing stays behind."""
    stored = []
    try:
        with transaction.atomic():
            for upload in uploads:
                stored.append(attachment_create(upload=upload, organization=organization, uploaded_by=uploaded_by))
            return action(stored)
    except BaseException:
        delete_files(stored)
        raise
