"""Task supervision (督办) by persona: a department liaison reports, its leader signs off, the programme
office accepts or returns; wrong people are refused; bad input names its field; the board and export
obey visibility."""
import datetime as dt
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook
from rest_framework.test import APIClient

from notifications.models import Notification
from programmes import services, status
from programmes.models import ProgressReport

from .programme_helpers import programme_with_tasks, units_and_people

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def units(tree, people):
    return units_and_people(tree, people)


@pytest.fixture
def plan(tree, units):
    return programme_with_tasks(tree, units)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _report(client, task, **data):
    body = {"narrative": "进展顺利", "period": "2026-Q3", **data}
    return client.post(f"/api/v1/programme-tasks/{task.pk}/reports/", body, format="json")


def test_liaison_reports_leader_signs_office_accepts_and_the_value_counts(plan, units, people):
    indicator = plan.led.indicators.get()
    answer = _report(api(units.rsj_liaison), plan.led, values=[{"indicator": indicator.pk, "value": "40"}])
    assert answer.status_code == 201, answer.content
    report = ProgressReport.objects.get(pk=answer.json()["id"])
    assert report.status == ProgressReport.Status.SIGNING and report.unit == units.rsj
    assert Notification.objects.filter(kind="programme.report_to_sign", recipient=units.rsj_leader).count() == 1
    assert api(units.rsj_leader).post(f"/api/v1/programme-reports/{report.pk}/sign/",
                                      {"decision": "approve"}, format="json").status_code == 200
    assert Notification.objects.filter(kind="programme.report_to_review", recipient=people.city_leader).count() == 1
    answer = api(people.city_leader).post(f"/api/v1/programme-reports/{report.pk}/review/",
                                          {"decision": "approve"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    task = api(people.city_leader).get(f"/api/v1/programme-tasks/{plan.led.pk}/").json()
    assert task["indicators"][0]["value"] == "40.00"
    assert Notification.objects.filter(kind="programme.report_accepted", recipient=units.rsj_liaison).count() == 1


def test_the_office_returns_with_reasons_only(plan, units, people):
    report = services.report_submit(user=units.rsj_liaison, task=plan.led, narrative="进展", period="2026-Q3",
                                    values=[])
    services.report_sign(user=units.rsj_leader, report=report, approve=True)
    no_reason = api(people.city_leader).post(f"/api/v1/programme-reports/{report.pk}/review/",
                                             {"decision": "return"}, format="json")
    assert no_reason.status_code == 400 and "comment" in no_reason.json()
    services.report_review(user=people.city_leader, report=report, accept=False, comment="请补充佐证")
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.RETURNED and report.comment == "请补充佐证"
    # A returned period may be filed again (a new round).
    again = services.report_submit(user=units.rsj_liaison, task=plan.led, narrative="已补充", period="2026-Q3",
                                   values=[])
    assert again.status == ProgressReport.Status.SIGNING


def test_wrong_people_are_refused_at_each_step(plan, units, people):
    report = services.report_submit(user=units.rsj_liaison, task=plan.led, narrative="进展", period="2026-Q3",
                                    values=[])
    path = f"/api/v1/programme-reports/{report.pk}"
    # The office may see the report but not sign for the unit; the liaison may not sign off her own report.
    assert api(people.city_leader).post(f"{path}/sign/", {"decision": "approve"}, format="json").status_code == 403
    assert api(units.rsj_liaison).post(f"{path}/sign/", {"decision": "approve"}, format="json").status_code == 403
    # Another department never sees it; a school never sees it.
    assert api(units.wjw_liaison).get(f"{path}/").status_code == 404
    assert api(people.school_leader).post(f"{path}/sign/", {"decision": "approve"}, format="json").status_code == 404
    # Review before sign-off is a step the report is not at.
    assert api(people.city_leader).post(f"{path}/review/", {"decision": "approve"},
                                        format="json").status_code == 409
    services.report_sign(user=units.rsj_leader, report=report, approve=True)
    assert api(units.rsj_leader).post(f"{path}/review/", {"decision": "approve"}, format="json").status_code == 403
    with pytest.raises(PermissionDenied):
        services.report_review(user=people.district_leader, report=report, accept=True)


def test_a_task_the_unit_is_not_responsible_for_is_404(plan, units):
    assert _report(api(units.rsj_liaison), plan.other, values=[]).status_code == 404
    # A co-unit reports on a task it supports; the city bureau's liaison on the bureau's task.
    assert _report(api(units.rsj_liaison), plan.milestone, values=[]).status_code == 201
    assert _report(api(units.wjw_liaison), plan.milestone, values=[]).status_code == 404


def test_a_value_that_is_not_a_number_is_400_naming_the_field(plan, units):
    indicator = plan.led.indicators.get()
    answer = _report(api(units.rsj_liaison), plan.led, values=[{"indicator": indicator.pk, "value": "许多"}])
    assert answer.status_code == 400
    assert list(answer.json()["values"]["0"]) == ["value"]  # the first value, its field "value"
    assert _report(api(units.rsj_liaison), plan.led, period="2026-13", values=[]).json().keys() == {"period"}
    assert not ProgressReport.objects.exists()


def test_a_second_report_for_a_period_in_review_is_409(plan, units):
    assert _report(api(units.rsj_liaison), plan.led, values=[]).status_code == 201
    assert _report(api(units.rsj_leader), plan.led, values=[]).status_code == 409


def test_lists_are_keyset_pages_and_obey_visibility(plan, units, people):
    services.report_submit(user=units.rsj_liaison, task=plan.led, narrative="进展", period="2026-Q3", values=[])
    office = api(people.city_leader).get("/api/v1/programme-tasks/?page_size=2").json()
    assert set(office) == {"results", "next"} and len(office["results"]) == 2 and office["next"]
    mine = api(units.rsj_liaison).get("/api/v1/programme-tasks/").json()["results"]
    assert sorted(t["no"] for t in mine) == [1, 2]  # led and supported; not the health commission's task
    assert api(units.wjw_liaison).get("/api/v1/programme-reports/").json()["results"] == []
    assert api(people.school_staff).get("/api/v1/programmes/").json() == {"results": [], "next": None}
    assert len(api(people.city_leader).get("/api/v1/programme-reports/").json()["results"]) == 1


def test_board_status_done_lagging_overdue_on_track(plan, units, people):
    indicator = plan.led.indicators.get()
    report = services.report_submit(user=units.rsj_liaison, task=plan.led, narrative="进展", period="2026-Q3",
                                    values=[{"indicator": indicator.pk, "value": "10"}])
    services.report_sign(user=units.rsj_leader, report=report, approve=True)
    services.report_review(user=people.city_leader, report=report, accept=True)
    from programmes.selectors import board_tasks
    rows = {t.no: status.status_of(t, TODAY) for t in board_tasks(people.city_leader, plan.programme)}
    # 10 of 100 with 92% of the time gone: lagging; the milestone was due in June: overdue;
    # the open-ended task lacks its Q3 report: lagging.
    assert rows == {1: status.LAGGING, 2: status.OVERDUE, 3: status.LAGGING}
    assert status.status_of(list(board_tasks(people.city_leader, plan.programme))[0], dt.date(2026, 2, 1)) \
        == status.ON_TRACK


def test_board_page_and_export_show_only_the_units_tasks(client, plan, units, people):
    client.force_login(units.rsj_liaison)
    page = client.get(f"/programmes/{plan.programme.pk}/").content.decode()
    assert "扩大在校生规模" in page and "出台实施方案" in page and "卫生类专业建设" not in page
    book = load_workbook(BytesIO(client.get(f"/programmes/{plan.programme.pk}/export.xlsx").content))
    titles = [row[2] for row in book.active.iter_rows(min_row=3, values_only=True)]
    assert titles == ["扩大在校生规模", "出台实施方案"]
    client.force_login(people.city_leader)
    book = load_workbook(BytesIO(client.get(f"/programmes/{plan.programme.pk}/export.xlsx").content))
    assert book.active.max_row == 2 + 3
    client.force_login(people.school_staff)
    assert client.get(f"/programmes/{plan.programme.pk}/").status_code == 404


def test_report_through_the_page_with_evidence(client, plan, units, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
    indicator = plan.led.indicators.get()
    client.force_login(units.rsj_liaison)
    answer = client.post(f"/programmes/tasks/{plan.led.pk}/report/", {
        "period": "2026-Q3", "narrative": "已完成一半", f"indicator-{indicator.pk}": "50", "evidence": pdf})
    report = ProgressReport.objects.get()
    assert answer.status_code == 302 and report.values.get().value == 50 and report.evidence_type == "application/pdf"
    assert client.get(f"/programmes/reports/{report.pk}/evidence/").status_code == 200
    client.force_login(units.wjw_liaison)
    assert client.get(f"/programmes/reports/{report.pk}/evidence/").status_code == 404
