"""The order and the visit record as PDFs: the text is extracted with pypdf and compared."""
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image
from pypdf import PdfReader

from inspections.models import Attachment, VisitItemResult, VisitTeamMember
from inspections.orders.pdf import order_pdf
from inspections.visits.pdf import visit_pdf

from .reports_helpers import at, national_day_data


@pytest.fixture
def data(tree, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return national_day_data(tree, people)


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _png(color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), color).save(out, "PNG")
    return out.getvalue()


def test_order_pdf_has_the_parts_of_an_official_notice(data):
    order = data.orders[0]
    content = order_pdf(order)
    assert content.startswith(b"%PDF") and b"/FontFile2" in content  # the TrueType font is embedded
    text = _text(content)
    for part in ("甲区教体局", order.number, "督导检查整改通知书", "甲一职专：", "一、存在的问题",
                 "［A1消防通道畅通］消防通道畅通不符合要求（较重）", "二、整改要求", "按要求限期整改到位。",
                 "三、整改期限", "请于2026年10月10日前完成整改", "2026年9月28日", "（盖章）"):
        assert part in text, part


def test_visit_record_pdf_has_results_findings_photos_and_signature(people, tree, data):
    visit = data.visits[0]
    VisitTeamMember.objects.create(visit=visit, user=people.district_inspector, is_lead=True)
    for item, result in ((data.items["A1"], "fail"), (data.items["A2"], "pass"), (data.items["B1"], "pass")):
        VisitItemResult.objects.create(visit=visit, item=item, result=result, recorded_by=people.district_inspector,
                                       recorded_at=at(visit.planned_date))
    finding = data.findings[1]
    finding.visit = visit
    finding.save(update_fields=["visit"])
    photo = Attachment(kind="image", content_type="image/png", extension="png", size=10, sha256="0" * 64,
                       organization=tree.school_a, uploaded_at=at(visit.planned_date))
    photo.file.save("p.png", ContentFile(_png("red")), save=False)
    photo.thumbnail.save("t.jpg", ContentFile(_png("blue")), save=False)
    photo.save()
    finding.attachments.add(photo)
    visit.representative_name = "王校长"
    visit.signed_at = at(visit.planned_date, 15)
    visit.representative_signature.save("s.png", ContentFile(_png("white")), save=True)
    content = visit_pdf(visit)
    text = _text(content)
    for part in ("督导检查记录", "学校：甲一职专", "检查类型：常规检查", "检查日期：2026年9月28日",
                 "符合2项，不符合1项，不适用0项", "消防通道畅通不符合要求（较重）", "学校代表签字", "王校长"):
        assert part in text, part
    images = sum(len(page.images) for page in PdfReader(io.BytesIO(content)).pages)
    assert images == 2  # the thumbnail and the signature


def test_order_pdf_page_is_scoped(people, data):
    order = data.orders[0]
    own, other = Client(), Client()
    own.force_login(people.school_staff)
    other.force_login(people.other_district_leader)
    response = own.get(f"/reports/orders/{order.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "甲一职专" in _text(response.content)
    assert other.get(f"/reports/orders/{order.pk}/pdf/").status_code == 404


def test_school_cannot_get_record_of_surprise_visit_before_checkin(people, data):
    client = Client()
    client.force_login(people.school_staff)
    assert client.get(f"/reports/visits/{data.visits[2].pk}/pdf/").status_code == 404
    assert client.get(f"/reports/visits/{data.visits[0].pk}/pdf/").status_code == 200
