"""Evidence people can trust: what is shown is a watermarked copy, what is kept is the original, untouched.

- Every photo a person looks at (the visit's photos, an order's evidence, the before/after pairs) is drawn
  here on the server with a visible band: the school, the time it was taken (or uploaded) and who uploaded
  it. The band is made per request from the stored clean copy; nothing is written back to storage.
- The original bytes (Attachment.original, kept for the tablet's photos and the school's rectification
  photos) are never re-encoded; `verify` re-reads them and compares their SHA-256 with the hash recorded when
  they arrived, so a changed byte shows as a mismatch on the page.
- Callers are the permission-checked serving views (inspections.orders.views_evidence, the order and visit photo
  views): this module decides how a file looks, never who may see it.
"""
import hashlib
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from inspections.evidence.services import _decode, download_name
from inspections.evidence.models import Attachment

SHANGHAI = ZoneInfo("Asia/Shanghai")
from inspections.documents import FONT  # the CJK font the PDFs embed too
BAND_ALPHA = 150


def caption(attachment: Attachment) -> str:
    """School · time (capture time if the device gave one, else upload time) · uploader."""
    when = (attachment.captured_at or attachment.uploaded_at).astimezone(SHANGHAI)
    who = attachment.uploaded_by.get_full_name() or attachment.uploaded_by.username if attachment.uploaded_by else ""
    return " · ".join(part for part in (attachment.organization.name, f"{when:%Y-%m-%d %H:%M}", who) if part)


def _band(image: Image.Image, text: str) -> Image.Image:
    """A dark translucent band along the bottom with the caption, sized to the picture's width."""
    base = image.convert("RGBA")
    size = max(14, base.width // 30)
    font = ImageFont.truetype(str(FONT), size)
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    height = int(size * 1.8)
    draw.rectangle([0, base.height - height, base.width, base.height], fill=(0, 0, 0, BAND_ALPHA))
    draw.text((size // 2, base.height - height + size // 3), text, font=font, fill=(255, 255, 255, 235))
    return Image.alpha_composite(base, layer).convert("RGB")


def watermarked(attachment: Attachment, *, thumb: bool = False) -> io.BytesIO:
    """The displayed copy of an image as JPEG bytes: the stored clean copy (or thumbnail) with the caption band."""
    field = attachment.thumbnail if thumb and attachment.thumbnail else attachment.file
    with field.open("rb") as stored:
        image = _decode(stored.read())
    out = io.BytesIO()
    _band(image, caption(attachment)).save(out, "JPEG", quality=85)
    out.seek(0)
    return out


def watermarked_response(attachment: Attachment, *, thumb: bool = False) -> FileResponse:
    out = watermarked(attachment, thumb=thumb)
    response = FileResponse(out, content_type="image/jpeg", filename=download_name(attachment, thumb=thumb).rsplit(".", 1)[0] + ".jpg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private"
    return response


@dataclass(frozen=True)
class Verification:
    ok: bool
    expected: str
    actual: str
    of_original: bool  # False: an older file without a kept original, checked against its stored copy

    @property
    def message(self) -> str:
        if self.ok:
            return _("核验一致：原件的 SHA-256 与上传时记录的相同，未被改动。")
        return _("核验不一致：存储的原件与上传时记录的 SHA-256 不同，文件已被改动或损坏，请勿作为证据使用。")


def verify(attachment: Attachment) -> Verification:
    """Re-read the kept original (or the stored copy when there is none) and compare its SHA-256."""
    of_original = bool(attachment.original)
    field = attachment.original if of_original else attachment.file
    expected = attachment.original_sha256 if of_original else attachment.sha256
    digest = hashlib.sha256()
    with field.open("rb") as stored:
        for chunk in iter(lambda: stored.read(1 << 16), b""):
            digest.update(chunk)
    return Verification(ok=digest.hexdigest() == expected, expected=expected, actual=digest.hexdigest(),
                        of_original=of_original)


def is_image(attachment: Attachment) -> bool:
    return attachment.kind == Attachment.Kind.IMAGE


def pairs_of(order) -> list[dict]:
    """Per finding: its photos from the visit (before) and the school's rectification photos for it (after)."""
    after = {}
    for photo in Attachment.objects.filter(reports__order=order, answers_finding__order=order,
                                           kind=Attachment.Kind.IMAGE).distinct().select_related("uploaded_by"):
        after.setdefault(photo.answers_finding_id, []).append(photo)
    return [{"finding": f, "before": [a for a in f.attachments.all() if is_image(a)], "after": after.get(f.pk, [])}
            for f in order.findings.prefetch_related("attachments")]
