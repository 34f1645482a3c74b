"""Storing and serving evidence.

The type comes from the content, never from the name the client sent. Images are decoded and re-encoded
before they are stored, so what is served carries no EXIF (no GPS position, no camera serial); the capture
time and position are read first and kept as fields. Decoding is bounded by a pixel limit checked before
any pixel is decoded (decompression bombs).
"""
import hashlib
import io
import re
import warnings
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from organizations import policy
from organizations.roles import Perm

from inspections.evidence.models import Attachment


def _register_heif() -> bool:
    """HEIC (iPhone photos) is accepted only when a decoder is installed: it must be re-encoded like any photo."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


HEIF_DECODER = _register_heif()
HEIF_TYPES = ("image/heic", "image/heif")

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

# Sniffed image type → how the re-encoded copy is stored: (Pillow format, content type, extension).
# HEIC becomes JPEG: only Safari shows HEIC, and the tablets of district staff run Chrome.
REENCODE = {
    "image/jpeg": ("JPEG", "image/jpeg", "jpg"),
    "image/png": ("PNG", "image/png", "png"),
    "image/webp": ("WEBP", "image/webp", "webp"),
    "image/heic": ("JPEG", "image/jpeg", "jpg"),
    "image/heif": ("JPEG", "image/jpeg", "jpg"),
}
SAVE_OPTIONS = {"JPEG": {"quality": 90}, "PNG": {}, "WEBP": {"quality": 90}}
# Types a browser may show inline; every other stored type (PDF, legacy files) is served as a download.
INLINE_TYPES = ("image/jpeg", "image/png", "image/webp")

# EXIF tags: IFD pointers, capture time and its UTC offset, GPS position.
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME, DATETIME_ORIGINAL, OFFSET_TIME, OFFSET_TIME_ORIGINAL = 0x0132, 0x9003, 0x9010, 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4
# Cameras write local time; without an offset tag we read it as China time, where the photos are taken.
EXIF_DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")
MICRODEGREE = Decimal("0.000001")
UNSAFE_NAME = re.compile(r"[^\w\-. ]+")


def sniff(head: bytes) -> tuple[str, str, str]:
    """(content type, kind, extension) of accepted content; ValidationError for anything else."""
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ACCEPTED:
        found = kind.mime if kind else _("无法识别")
        raise ValidationError({"file": _("不支持的文件类型（%(found)s）。只接受 JPEG、PNG、WebP、HEIC 图片和 PDF 文档。")
                               % {"found": found}})
    if kind.mime in HEIF_TYPES and not HEIF_DECODER:
        raise ValidationError({"file": _("无法处理 HEIC 格式的照片。请在手机相机设置中选择“最兼容”（JPEG）格式，"
                                         "或将照片导出为 JPEG 后重新上传。")})
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


def clean_name(name) -> str:
    """The client's file name reduced to a harmless label: no directories, quotes, control or bidi characters."""
    base = PurePosixPath(str(name or "").replace("\\", "/")).name
    return UNSAFE_NAME.sub("_", base).strip(" .")[:120]


def download_name(attachment, *, thumb: bool = False) -> str:
    """The name offered to the browser: the cleaned label with the extension of the stored type, never the client's."""
    stem = clean_name(attachment.original_name).rsplit(".", 1)[0].strip(" .")[:80] or f"attachment-{attachment.pk}"
    return f"{stem}-thumb.jpg" if thumb else f"{stem}.{attachment.extension}"


def _pixel_limit() -> int:
    # Pillow's own bomb check warns above MAX_IMAGE_PIXELS: never allow more than that either.
    return min(settings.UPLOAD_MAX_PIXELS, Image.MAX_IMAGE_PIXELS or settings.UPLOAD_MAX_PIXELS)


def _too_many_pixels() -> ValidationError:
    return ValidationError({"file": _("图片像素过多（上限为 %(mp)s 百万像素），已拒绝。请缩小图片后重新上传。")
                            % {"mp": round(_pixel_limit() / 1_000_000, 1)}})


def _undecodable() -> ValidationError:
    return ValidationError({"file": _("图片无法解码，文件可能已损坏，已拒绝。请重新拍摄或另存为 JPEG 后重新上传。")})


def _decode(data: bytes) -> Image.Image:
    """Read the size from the header and refuse too many pixels before decoding; any decoder failure refuses."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > _pixel_limit():
                raise _too_many_pixels()
            image.load()
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except Exception:  # Pillow's decoders fail in many ways (OSError, SyntaxError, struct.error, ...)
            raise _undecodable() from None
    return image


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip("\x00 ")


def parse_exif_time(stamp, offset=None) -> datetime | None:
    """EXIF 'YYYY:MM:DD HH:MM:SS' local time with an optional '+08:00' offset → an aware datetime, or None."""
    try:
        local = datetime.strptime(_text(stamp)[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    try:
        stamped = datetime.fromisoformat(local.isoformat() + _text(offset))
    except ValueError:  # no offset tag, or a malformed one
        stamped = local
    return stamped if stamped.tzinfo else stamped.replace(tzinfo=EXIF_DEFAULT_ZONE)


def _captured_at(exif) -> datetime | None:
    details = exif.get_ifd(EXIF_IFD)
    stamp, offset = details.get(DATETIME_ORIGINAL), details.get(OFFSET_TIME_ORIGINAL)
    if not stamp:
        stamp, offset = exif.get(DATETIME), details.get(OFFSET_TIME)
    return parse_exif_time(stamp, offset)


def _coordinate(dms, ref, negative: str, bound: int) -> Decimal | None:
    """Degrees/minutes/seconds rationals → signed decimal degrees; None when missing or out of range."""
    try:
        degrees, minutes, seconds = (float(part) for part in dms)
        value = Decimal(degrees + minutes / 60 + seconds / 3600)
    except (TypeError, ValueError, InvalidOperation):
        return None
    if not value.is_finite() or abs(value) > bound:
        return None
    return (-value if _text(ref).upper() == negative else value).quantize(MICRODEGREE)


def _position(exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(GPS_IFD)
    latitude = _coordinate(gps.get(GPS_LAT), gps.get(GPS_LAT_REF), "S", 90)
    longitude = _coordinate(gps.get(GPS_LON), gps.get(GPS_LON_REF), "W", 180)
    return (latitude, longitude) if latitude is not None and longitude is not None else (None, None)


def _keep_metadata(attachment, image) -> None:
    """Capture time and position become fields before the EXIF block is dropped from the stored copy."""
    try:
        exif = image.getexif()
        attachment.captured_at = _captured_at(exif)
        attachment.latitude, attachment.longitude = _position(exif)
    except Exception:  # a mangled EXIF block loses the fields, it does not refuse an otherwise good photo
        attachment.captured_at = attachment.latitude = attachment.longitude = None


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white (JPEG has no transparency)."""
    if image.mode in ("RGB", "L"):
        return image
    rgba = image.convert("RGBA")
    white = Image.new("RGB", rgba.size, (255, 255, 255))
    white.paste(rgba, mask=rgba.getchannel("A"))
    return white


def _upright_pixels(image: Image.Image, fmt: str) -> Image.Image:
    """Orientation applied, then pixels only: EXIF, XMP, comments and text chunks are not carried over."""
    icc = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        has_alpha = "A" in image.mode or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    if fmt == "JPEG":
        image = _flatten(image)
    image.info = {"icc_profile": icc} if icc else {}  # colour profile only: it says nothing about the photo
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **SAVE_OPTIONS[fmt], **({"icc_profile": image.info["icc_profile"]}
                                                  if image.info.get("icc_profile") else {}))
    return out.getvalue()


def _thumbnail(image: Image.Image) -> ContentFile:
    small = image.copy()
    small.thumbnail(THUMB_SIZE)
    small = _flatten(small)
    small.info = {}
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return ContentFile(out.getvalue(), name="thumb.jpg")


def _reencode_image(attachment, data: bytes) -> tuple[bytes, ContentFile]:
    """Decode within limits, keep time and position as fields, return the clean copy and its thumbnail."""
    image = _decode(data)
    with image:
        _keep_metadata(attachment, image)
        fmt, attachment.content_type, attachment.extension = REENCODE[attachment.content_type]
        try:
            clean = _upright_pixels(image, fmt)
            return _encode(clean, fmt), _thumbnail(clean)
        except Exception:  # e.g. an exotic pixel mode Pillow decodes but cannot convert
            raise _undecodable() from None


def attachment_create(*, upload, organization, uploaded_by, keep_original: bool = False) -> Attachment:
    """Validate and store one uploaded file for `organization` (the school it is evidence about).

    With `keep_original`, the bytes as received are stored too (download only) with their SHA-256."""
    if not any(policy.can(uploaded_by, perm, organization) for perm in MAY_UPLOAD):
        raise PermissionDenied(_("您不能为该学校上传材料。"))
    data = _read_bounded(upload)
    received = data if keep_original else None
    content_type, kind, extension = sniff(data[:8192])
    attachment = Attachment(
        kind=kind, content_type=content_type, extension=extension,
        original_name=clean_name(getattr(upload, "name", "")),
        organization=organization, uploaded_by=uploaded_by, uploaded_at=timezone.now(),
    )
    thumb = None
    if kind == Attachment.Kind.IMAGE:
        data, thumb = _reencode_image(attachment, data)
    attachment.size, attachment.sha256 = len(data), hashlib.sha256(data).hexdigest()  # of the stored copy
    if received is not None:
        attachment.original_sha256 = hashlib.sha256(received).hexdigest()
    return _store(attachment, data, thumb, received)


def _store(attachment, data, thumb, original=None) -> Attachment:
    """Files first, row last; on any failure the files written so far are removed (nothing half-saved)."""
    try:
        with transaction.atomic():
            attachment.file.save("upload", ContentFile(data), save=False)
            if original is not None:
                attachment.original.save("original", ContentFile(original), save=False)
            if thumb is not None:
                attachment.thumbnail.save("thumb.jpg", thumb, save=False)
            attachment.save()
    except Exception:
        delete_files([attachment])
        raise
    return attachment


def delete_files(attachments) -> None:
    """Remove stored files whose rows were rolled back with the caller's transaction."""
    for attachment in attachments:
        for field in (attachment.file, attachment.original, attachment.thumbnail):
            if field and field.name:
                field.storage.delete(field.name)


def submit_with_evidence(*, uploads, organization, uploaded_by, action, keep_original: bool = False):
    """Store `uploads`, then call `action(attachments)` in one transaction; on refusal nothing stays behind."""
    stored = []
    try:
        with transaction.atomic():
            for upload in uploads:
                stored.append(attachment_create(upload=upload, organization=organization, uploaded_by=uploaded_by,
                                                keep_original=keep_original))
            return action(stored)
    except BaseException:
        delete_files(stored)
        raise


def file_response(attachment, *, thumb: bool = False) -> FileResponse:
    """The stored file (or its thumbnail) for a permission-checked view: never sniffed, never run by the browser.

    Images we re-encoded are shown inline; PDFs and anything else are downloads, sandboxed in case a
    browser renders them anyway. The offered name is built from the cleaned label and the stored type.
    """
    field = attachment.thumbnail if thumb else attachment.file
    if not field:
        raise Http404("no such file")
    content_type = "image/jpeg" if thumb else attachment.content_type
    if content_type not in ACCEPTED:
        content_type = "application/octet-stream"
    response = FileResponse(field.open("rb"), content_type=content_type, as_attachment=content_type not in INLINE_TYPES,
                            filename=download_name(attachment, thumb=thumb))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private"  # evidence is per-user: never kept by a shared proxy
    return response
