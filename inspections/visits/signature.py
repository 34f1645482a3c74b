"""The school representative's signature from the tablet's canvas: only a real, drawn PNG of sane size."""
import base64
import binascii
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_SIDE = 4000


def signature_png(data_url: str) -> bytes:
    """Decode a canvas data URL; only a real, non-blank PNG of sane size is accepted."""
    prefix = "data:image/png;base64,"
    if not isinstance(data_url, str) or not data_url.startswith(prefix):
        raise ValidationError({"signature": _("签名必须是 PNG 图片。")})
    try:
        raw = base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"signature": _("签名数据无法解码。")}) from None
    if len(raw) > SIGNATURE_MAX_BYTES or not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValidationError({"signature": _("签名必须是 PNG 图片。")})
    _require_drawn(raw)
    return raw


def _require_drawn(raw: bytes) -> None:
    try:
        with Image.open(io.BytesIO(raw)) as img:
            img.load()
            if max(img.size) > SIGNATURE_MAX_SIDE:
                raise ValidationError({"signature": _("签名图片过大。")})
            alpha = img.convert("RGBA").getchannel("A")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError({"signature": _("签名必须是 PNG 图片。")}) from None
    if alpha.getbbox() is None:  # a blank canvas exports fully transparent pixels
        raise ValidationError({"signature": _("请学校代表在签名区签字。")})
