"""The .xlsx ledger read back with openpyxl, and the background export job end to end."""
import io

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from inspections.reports import ledger
from inspections.reports.ledger import LedgerFilter, export_request, run_pending_exports, write_xlsx
from inspections.models import ExportJob

from .reports_helpers import national_day_data


@pytest.fixture
def data(tree, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return national_day_data(tree, people)


def _sheet(user, flt):
    out = io.BytesIO()
    written = write_xlsx(user, flt, out)
    return written, load_workbook(io.BytesIO(out.getvalue())).active


def test_xlsx_has_chinese_headers_frozen_header_and_filter_in_title(people, data):
    written, ws = _sheet(people.city_leader, LedgerFilter(severity="major", overdue=True))
    assert written == 1
    assert ws.title == "整改台账 重大 逾期"
    assert ws.freeze_panes == "A2"
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["文号", "区县", "学校"] and "问题描述" in headers and "严重程度" in headers
    row = [c.value for c in ws[2]]
    assert row[0] == data.orders[1].number and row[1] == "甲区教体局" and row[2] == "甲一职专"
    assert row[headers.index("严重程度")] == "重大" and row[headers.index("是否逾期")] == "是"


def test_xlsx_has_one_row_per_finding(people, data):
    written, ws = _sheet(people.city_leader, LedgerFilter())
    assert written == ws.max_row - 1 == 5  # F1 and F5 have no order, so they are not in the ledger
    numbers = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    assert numbers[0] == data.orders[4].number  # newest order first


def test_school_export_has_only_its_own_rows(people, data):
    written, ws = _sheet(people.school_staff, LedgerFilter())
    schools = {ws.cell(row=r, column=3).value for r in range(2, ws.max_row + 1)}
    assert written == 2 and schools == {"甲一职专"}


def test_period_filter_shows_in_sheet_title(people, data):
    import datetime as dt

    _, ws = _sheet(people.city_leader, LedgerFilter(start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30)))
    assert ws.title == "整改台账 2026-09-01至2026-09-30"


def test_large_export_waits_for_the_worker_then_only_owner_downloads(people, data, monkeypatch):
    monkeypatch.setattr(ledger, "INLINE_EXPORT_LIMIT", 1)
    monkeypatch.setattr(ledger, "PROGRESS_EVERY", 2)
    job = export_request(user=people.district_leader, flt=LedgerFilter())
    assert job.status == ExportJob.Status.QUEUED and job.total == 3 and not job.file
    owner, other = Client(), Client()
    owner.force_login(people.district_leader)
    other.force_login(people.city_leader)
    status = owner.get(f"/reports/exports/{job.pk}/status/").json()
    assert status["status"] == "queued" and status["download_url"] is None
    call_command("run_exports", "--once")
    status = owner.get(f"/reports/exports/{job.pk}/status/").json()
    assert status["status"] == "done" and status["percent"] == 100 and status["progress"] == 3
    response = owner.get(status["download_url"])
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert ws.max_row == 4
    assert other.get(status["download_url"]).status_code == 404
    assert other.get(f"/reports/exports/{job.pk}/status/").status_code == 404
    assert run_pending_exports() == 0  # nothing is written twice


def test_small_export_is_written_at_once(people, data):
    job = export_request(user=people.school_staff, flt=LedgerFilter())
    assert job.status == ExportJob.Status.DONE and job.file


def test_export_page_creates_job_and_shows_progress(people, data):
    client = Client()
    client.force_login(people.city_leader)
    response = client.post("/reports/exports/", {"severity": "major"})
    assert response.status_code == 302
    job = ExportJob.objects.get(user=people.city_leader)
    assert job.filters["severity"] == "major"
    page = client.get(response["Location"])
    assert "导出进度" in page.content.decode()
