"""Upload hardening: images re-encoded without EXIF (time and position kept as fields), pixel limits against
decompression bombs, corrupt images and HEIC, and how stored evidence is served (headers, names, no media folder)."""
import datetime as dt
import io
import struct
import zlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import pillow_heif
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve
from PIL import Image, PngImagePlugin
from rest_framework.test import APIClient

from inspections.evidence import services as evidence
from inspections.evidence.services import attachment_create, clean_name, download_name, parse_exif_time
from inspections.models import Attachment

from .orders_helpers import issue
from .test_visits_api import checked_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def camera_exif(*, when="2025:05:06 09:30:00", offset=None, south_west=False, orientation=1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0110] = "Dudao Test Camera"
    exif[0x0112] = orientation
    details = exif.get_ifd(0x8769)
    details[0x9003] = when
    if offset:
        details[0x9011] = offset
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S" if south_west else "N", 2: (36.0, 39.0, 54.0),
                3: "W" if south_west else "E", 4: (117.0, 7.0, 12.36)})
    return exif


def photo(fmt="JPEG", size=(64, 48), name="photo.jpg", mode="RGB", **save) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128)).save(buf, fmt, **save)
    return SimpleUploadedFile(name, buf.getvalue())


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header promises width×height pixels, with a few bytes of image data (a bomb's shape)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def store(people, tree, upload):
    return attachment_create(upload=upload, organization=tree.school_a, uploaded_by=people.school_staff)


def refusal(people, tree, upload) -> str:
    with pytest.raises(ValidationError) as caught:
        store(people, tree, upload)
    return str(caught.value)


def reopen(attachment) -> Image.Image:
    with attachment.file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


# ---------------------------------------------------------------- re-encoding and EXIF


def test_photo_is_stored_without_exif_but_keeps_capture_time_and_position(people, tree):
    attachment = store(people, tree, photo(exif=camera_exif()))
    stored = reopen(attachment)
    assert len(stored.getexif()) == 0 and "exif" not in stored.info and "xmp" not in stored.info
    raw = attachment.file.open("rb").read()
    assert b"Exif" not in raw and b"Dudao Test Camera" not in raw
    assert attachment.captured_at == dt.datetime(2025, 5, 6, 9, 30, tzinfo=SHANGHAI)
    assert attachment.captured_at.utcoffset() == dt.timedelta(hours=8)
    assert (attachment.latitude, attachment.longitude) == (Decimal("36.665000"), Decimal("117.120100"))
    attachment.refresh_from_db()
    assert attachment.latitude == Decimal("36.665000") and attachment.captured_at.year == 2025


def test_stored_size_and_hash_describe_the_served_copy(people, tree):
    import hashlib

    upload = photo(exif=camera_exif(), name="现场.jpg")
    original = upload.read()
    upload.seek(0)
    attachment = store(people, tree, upload)
    raw = attachment.file.open("rb").read()
    assert raw != original
    assert (attachment.size, attachment.sha256) == (len(raw), hashlib.sha256(raw).hexdigest())
    assert (attachment.content_type, attachment.extension) == ("image/jpeg", "jpg")
    assert attachment.file.name.endswith(".jpg") and "现场" not in attachment.file.name


def test_exif_offset_is_honoured_and_south_west_positions_are_negative(people, tree):
    attachment = store(people, tree, photo(exif=camera_exif(offset="-05:00", south_west=True)))
    assert attachment.captured_at == dt.datetime(2025, 5, 6, 14, 30, tzinfo=dt.timezone.utc)
    assert (attachment.latitude, attachment.longitude) == (Decimal("-36.665000"), Decimal("-117.120100"))


def test_photo_without_exif_is_accepted_with_empty_fields(people, tree):
    attachment = store(people, tree, photo())
    assert (attachment.captured_at, attachment.latitude, attachment.longitude) == (None, None, None)


def test_nonsense_exif_values_give_empty_fields_not_a_refusal(people, tree):
    exif = camera_exif(when="0000:00:00 00:00:00")
    exif.get_ifd(0x8825)[2] = (95.0, 0.0, 0.0)  # a latitude beyond the pole
    attachment = store(people, tree, photo(exif=exif))
    assert (attachment.captured_at, attachment.latitude, attachment.longitude) == (None, None, None)
    assert len(reopen(attachment).getexif()) == 0


def test_exif_time_parsing_reads_local_time_as_china_time():
    assert parse_exif_time("2025:03:04 10:11:12") == dt.datetime(2025, 3, 4, 10, 11, 12, tzinfo=SHANGHAI)
    assert parse_exif_time(b"2025:03:04 10:11:12\x00", "+09:00").utcoffset() == dt.timedelta(hours=9)
    assert parse_exif_time("2025:03:04 10:11:12", "junk").tzinfo == SHANGHAI
    assert parse_exif_time("yesterday") is None and parse_exif_time(None) is None


def test_rotated_photo_is_stored_upright(people, tree):
    attachment = store(people, tree, photo(size=(40, 20), exif=camera_exif(orientation=6)))
    assert reopen(attachment).size == (20, 40)  # orientation applied, since the tag that said so is gone


def test_png_loses_exif_and_text_chunks_and_keeps_transparency(people, tree):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 36.665 117.1201 张老师的手机")
    attachment = store(people, tree, photo("PNG", name="a.png", mode="RGBA", pnginfo=info, exif=camera_exif()))
    stored = reopen(attachment)
    assert (attachment.content_type, stored.format, stored.mode) == ("image/png", "PNG", "RGBA")
    assert "Comment" not in stored.info and len(stored.getexif()) == 0
    assert attachment.latitude == Decimal("36.665000")


def test_webp_stays_webp_without_exif(people, tree):
    attachment = store(people, tree, photo("WEBP", name="a.webp", exif=camera_exif()))
    stored = reopen(attachment)
    assert (attachment.content_type, attachment.extension, stored.format) == ("image/webp", "webp", "WEBP")
    assert len(stored.getexif()) == 0 and attachment.captured_at is not None


def test_thumbnail_is_small_and_clean(people, tree):
    attachment = store(people, tree, photo(size=(1200, 900), exif=camera_exif()))
    with attachment.thumbnail.open("rb") as handle:
        thumb = Image.open(io.BytesIO(handle.read()))
    assert max(thumb.size) <= 480 and len(thumb.getexif()) == 0


# ---------------------------------------------------------------- bombs, corrupt images, HEIC


def test_image_over_the_pixel_limit_is_refused_before_decoding(people, tree, media):
    message = refusal(people, tree, SimpleUploadedFile("big.png", png_header_only(8000, 6000)))  # 48 MP > 40 MP
    assert "像素过多" in message  # not "cannot decode": the header alone decided
    assert not Attachment.objects.exists() and not stored_files(media)


def test_pixel_limit_is_configurable(people, tree, settings, media):
    settings.UPLOAD_MAX_PIXELS = 10_000
    assert "像素过多" in refusal(people, tree, photo(size=(200, 100)))
    assert store(people, tree, photo(size=(100, 100))).kind == "image"


def test_classic_decompression_bomb_is_refused(people, tree, media):
    message = refusal(people, tree, SimpleUploadedFile("bomb.png", png_header_only(100_000, 100_000)))
    assert "像素过多" in message
    assert not Attachment.objects.exists() and not stored_files(media)


def test_pillow_bomb_warning_counts_as_a_refusal(people, tree, settings, monkeypatch):
    settings.UPLOAD_MAX_PIXELS = 10**9
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)
    assert "像素过多" in refusal(people, tree, photo(size=(100, 75)))  # 7,500 px: Pillow warns, we refuse


def test_bomb_in_a_report_refuses_the_whole_report_over_http(people, tree, media):
    order = issue(people, tree)
    school_leader, staff = APIClient(), APIClient()
    school_leader.force_authenticate(people.school_leader)
    staff.force_authenticate(people.school_staff)
    school_leader.post(f"/api/v1/orders/{order.pk}/sign/")
    bomb = SimpleUploadedFile("bomb.png", png_header_only(100_000, 100_000), content_type="image/png")
    response = staff.post(f"/api/v1/orders/{order.pk}/report/",
                          {"measures": "已整改", "files": [photo(), bomb]}, format="multipart")
    assert response.status_code == 400 and "像素过多" in str(response.json())
    assert not Attachment.objects.exists() and not order.reports.exists() and not stored_files(media)


@pytest.mark.parametrize("content", [
    b"\xff\xd8\xff\xe0" + b"\x13\x37" * 300,  # JPEG magic, garbage after it
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 400,  # PNG signature, no valid chunks
    b"RIFF\x00\x01\x00\x00WEBPVP8 " + b"\xaa" * 300,  # WebP container, broken bitstream
    b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 300,  # HEIC brand, no image
], ids=["jpeg", "png", "webp", "heic"])
def test_image_with_valid_magic_but_corrupt_body_is_refused(people, tree, media, content):
    assert "无法解码" in refusal(people, tree, SimpleUploadedFile("x.jpg", content))
    assert not Attachment.objects.exists() and not stored_files(media)


def test_truncated_photo_is_refused(people, tree, media):
    whole = photo(size=(600, 400)).read()
    assert "无法解码" in refusal(people, tree, SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2]))
    assert not stored_files(media)


def heic_bytes(size=(64, 48), exif=None) -> bytes:
    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buf, "HEIF", **({"exif": exif.tobytes()} if exif else {}))
    return buf.getvalue()


def test_heic_photo_is_decoded_and_stored_as_jpeg_without_exif(people, tree):
    attachment = store(people, tree, SimpleUploadedFile("IMG_0001.HEIC", heic_bytes(exif=camera_exif())))
    stored = reopen(attachment)
    assert (attachment.content_type, attachment.extension, stored.format) == ("image/jpeg", "jpg", "JPEG")
    assert stored.size == (64, 48) and len(stored.getexif()) == 0 and attachment.thumbnail
    assert attachment.latitude == Decimal("36.665000") and attachment.captured_at.year == 2025
    assert download_name(attachment) == "IMG_0001.jpg"


def test_heic_is_refused_with_advice_when_no_decoder_is_installed(people, tree, media, monkeypatch):
    monkeypatch.setattr(evidence, "HEIF_DECODER", False)
    message = refusal(people, tree, SimpleUploadedFile("IMG_0001.HEIC", heic_bytes()))
    assert "HEIC" in message and "JPEG" in message
    assert not Attachment.objects.exists() and not stored_files(media)


def test_heic_over_the_pixel_limit_is_refused(people, tree, settings):
    settings.UPLOAD_MAX_PIXELS = 10_000
    assert "像素过多" in refusal(people, tree, SimpleUploadedFile("a.heic", heic_bytes(size=(200, 100))))


# ---------------------------------------------------------------- names


def test_client_file_names_are_cleaned_and_never_decide_the_extension():
    assert clean_name('../../etc/pa"ss;wd\r\n.jpg') == "pa_ss_wd_.jpg"
    assert clean_name("C:\\Users\\张\\整改照片 1.JPG") == "整改照片 1.JPG"
    assert "\u202e" not in clean_name("invoice\u202egpj.exe")
    pdf = Attachment(pk=7, original_name="报告.html", extension="pdf")
    assert download_name(pdf) == "报告.pdf" and download_name(pdf, thumb=True) == "报告-thumb.jpg"
    assert download_name(Attachment(pk=7, original_name="...", extension="png")) == "attachment-7.png"


def test_stored_label_is_the_cleaned_name(people, tree):
    attachment = store(people, tree, photo(name='../x/"><img src=x onerror=alert(1)>.jpg'))
    assert "/" not in attachment.original_name and '"' not in attachment.original_name
    assert "<" not in attachment.original_name


# ---------------------------------------------------------------- serving


def order_with_evidence(people, tree):
    """An order whose report carries a photo and a PDF, uploaded under hostile names."""
    order = issue(people, tree)
    leader, staff = APIClient(), APIClient()
    leader.force_authenticate(people.school_leader)
    staff.force_authenticate(people.school_staff)
    leader.post(f"/api/v1/orders/{order.pk}/sign/")
    pdf = SimpleUploadedFile('evil"\r\nX-Injected: 1.html', b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    response = staff.post(f"/api/v1/orders/{order.pk}/report/",
                          {"measures": "已整改", "files": [photo(name="现场 照片.jpg", exif=camera_exif()), pdf]},
                          format="multipart")
    assert response.status_code == 200, response.content
    attachments = order.reports.get().attachments.all()
    return order, attachments.get(kind="image"), attachments.get(kind="document")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_order_photo_is_served_inline_with_nosniff_and_a_clean_name(people, tree):
    order, image, _ = order_with_evidence(people, tree)
    response = logged_in(people.school_staff).get(f"/orders/{order.pk}/files/{image.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;") and "utf-8''" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert b"Exif" not in body and Image.open(io.BytesIO(body)).format == "JPEG"
    thumb = logged_in(people.district_inspector).get(f"/orders/{order.pk}/files/{image.pk}/thumb/")
    assert thumb.status_code == 200 and thumb["X-Content-Type-Options"] == "nosniff"


def test_order_pdf_is_a_sandboxed_download_under_a_safe_name(people, tree):
    order, _, pdf = order_with_evidence(people, tree)
    response = logged_in(people.district_leader).get(f"/orders/{order.pk}/files/{pdf.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.pdf"')
    assert "\r" not in disposition and "\n" not in disposition and "html" not in disposition
    assert "X-Injected" not in response


def test_other_school_cannot_fetch_evidence_of_an_order(people, tree):
    order, image, pdf = order_with_evidence(people, tree)
    for attachment in (image, pdf):
        assert logged_in(people.other_school_staff).get(f"/orders/{order.pk}/files/{attachment.pk}/").status_code == 404
        assert logged_in(people.other_district_inspector).get(
            f"/orders/{order.pk}/files/{attachment.pk}/").status_code == 404
    assert Client().get(f"/orders/{order.pk}/files/{image.pk}/").status_code == 302  # to the login page


def test_order_file_view_does_not_serve_evidence_of_another_order_of_the_same_school(people, tree):
    _, image, _ = order_with_evidence(people, tree)
    other_order = issue(people, tree)
    assert logged_in(people.school_leader).get(f"/orders/{other_order.pk}/files/{image.pk}/").status_code == 404


def test_visit_photo_is_served_with_nosniff_and_no_exif(people, tree):
    visit = checked_in(people, tree)
    inspector = APIClient()
    inspector.force_authenticate(people.district_inspector)
    created = inspector.post(f"/api/v1/visits/{visit.pk}/findings/", {
        "description": "消防通道堵塞", "photos": [photo(name="a.jpg", exif=camera_exif())]}, format="multipart")
    assert created.status_code == 201, created.content
    urls = created.json()["photos"][0]
    assert Attachment.objects.get().latitude == Decimal("36.665000")
    for url in (urls["url"], urls["thumbnail"]):
        response = logged_in(people.district_inspector).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Security-Policy"] == "sandbox"
        assert b"Exif" not in b"".join(response.streaming_content)
    assert logged_in(people.other_school_staff).get(urls["url"]).status_code == 404


def test_media_folder_is_not_served_outside_debug(people, tree, settings):
    from django.views.static import serve

    from config import urls

    assert settings.DEBUG is False
    assert not any(getattr(pattern, "callback", None) is serve for pattern in urls.urlpatterns)
    attachment = store(people, tree, photo())
    for path in (f"/media/{attachment.file.name}", "/media/", "/media/evidence/"):
        try:
            match = resolve(path)
        except Resolver404:
            continue
        assert match.func is not serve
        assert logged_in(people.city_admin).get(path).status_code in (302, 404)
