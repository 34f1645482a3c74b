"""备案: districts and schools file their implementation plans; a late filing is accepted and marked late,
the office returns with reasons (next round) or accepts; units not filed hear once after the deadline."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from notifications.models import Notification
from programmes import services
from programmes.models import FilingRequest, PlanFiling, Programme
from workflows.calendar import add_working_days, working_days_before

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf():
    return SimpleUploadedFile("工作方案.pdf", PDF, "application/pdf")


@pytest.fixture
def ask(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    programme = Programme.objects.create(code="P", title="测试计划", issuer=tree.city, starts_on=dt.date(2026, 1, 1),
                                         ends_on=dt.date(2026, 12, 31))
    request = FilingRequest.objects.create(programme=programme, title="区县工作方案备案", due_date=dt.date(2026, 3, 31))
    request.filers.add(tree.district_a, tree.district_b, tree.school_a)
    return request


def test_a_district_files_late_is_marked_late_and_shown_late(client, ask, tree, people):
    filing = services.filing_submit(user=people.district_leader, filing_request=ask, filer=tree.district_a,
                                    document=pdf(), key_dates="4月启动")
    assert filing.late and filing.status == PlanFiling.Status.REVIEWING  # today (Dec 2026) is past 31 March
    client.force_login(people.city_leader)
    page = client.get(f"/programmes/filing-requests/{ask.pk}/").content.decode()
    assert f'data-filer="{tree.district_a.pk}" data-state="reviewing"' in page and "data-late" in page
    assert f'data-filer="{tree.district_b.pk}" data-state="missing_late"' in page
    assert Notification.objects.filter(kind="programme.filing_to_review", recipient=people.city_leader).exists()


def test_returned_with_reasons_then_the_next_round_is_accepted(ask, tree, people):
    first = services.filing_submit(user=people.district_leader, filing_request=ask, filer=tree.district_a,
                                   document=pdf())
    with pytest.raises(Exception):
        services.filing_review(user=people.city_leader, filing=first, accept=False, comment="")
    services.filing_review(user=people.city_leader, filing=first, accept=False, comment="缺少时间节点")
    assert Notification.objects.filter(kind="programme.filing_returned", recipient=people.district_leader).exists()
    second = services.filing_submit(user=people.district_leader, filing_request=ask, filer=tree.district_a,
                                    document=pdf(), key_dates="已补充")
    assert second.round == 2
    services.filing_review(user=people.city_leader, filing=second, accept=True)
    assert PlanFiling.objects.get(pk=second.pk).status == PlanFiling.Status.ACCEPTED
    with pytest.raises(Exception):  # accepted: no third round
        services.filing_submit(user=people.district_leader, filing_request=ask, filer=tree.district_a, document=pdf())


def test_only_the_unit_itself_files_and_only_the_office_reviews(client, ask, tree, people):
    with pytest.raises(PermissionDenied):  # the city reaches the district but does not file for it
        services.filing_submit(user=people.city_leader, filing_request=ask, filer=tree.district_a, document=pdf())
    with pytest.raises(PermissionDenied):
        services.filing_submit(user=people.other_district_leader, filing_request=ask, filer=tree.district_a,
                               document=pdf())
    filing = services.filing_submit(user=people.school_leader, filing_request=ask, filer=tree.school_a,
                                    document=pdf())
    with pytest.raises(PermissionDenied):
        services.filing_review(user=people.district_leader, filing=filing, accept=True)
    client.force_login(people.other_district_leader)
    assert client.get(f"/programmes/filings/{filing.pk}/").status_code == 404
    assert client.get(f"/programmes/filings/{filing.pk}/document/").status_code == 404
    page = client.get(f"/programmes/filing-requests/{ask.pk}/").content.decode()
    assert f'data-filer="{tree.school_a.pk}"' not in page  # another district's school is not on its board


def test_units_not_filed_hear_once_on_the_first_working_day_after_the_deadline(ask, tree, people):
    services.filing_submit(user=people.district_leader, filing_request=ask, filer=tree.district_a, document=pdf())
    first = add_working_days(ask.due_date, 1)
    services.supervise(day=working_days_before(first, 1))
    assert not Notification.objects.filter(kind="programme.filing_overdue").exists()
    for day in (first, first, add_working_days(first, 1)):
        services.supervise(day=day)
    told = sorted(Notification.objects.filter(kind="programme.filing_overdue").values_list("recipient__username",
                                                                                          flat=True))
    assert told == ["other_district_leader", "school_leader"]


def test_filing_through_the_api_late_marked_and_bad_files_named(ask, tree, people):
    from rest_framework.test import APIClient
    district, office = APIClient(), APIClient()
    district.force_authenticate(people.district_leader)
    office.force_authenticate(people.city_leader)
    url = f"/api/v1/filing-requests/{ask.pk}/file/"
    bad = district.post(url, {"filer": tree.district_a.pk,
                              "document": SimpleUploadedFile("a.exe", b"MZ\x90\x00" * 40)}, format="multipart")
    assert bad.status_code == 400 and list(bad.json()) == ["document"]
    made = district.post(url, {"filer": tree.district_a.pk, "document": pdf()}, format="multipart")
    assert made.status_code == 201 and made.json()["late"] is True and made.json()["round"] == 1
    assert district.post(f"/api/v1/filings/{made.json()['id']}/review/", {"decision": "approve"},
                         format="json").status_code == 403
    assert office.post(f"/api/v1/filings/{made.json()['id']}/review/", {"decision": "approve"},
                       format="json").json()["status"] == "accepted"
    rows = {r["filer"]: r for r in office.get("/api/v1/filing-requests/").json()["results"][0]["filers"]}
    assert rows[tree.district_a.pk]["latest"]["status"] == "accepted" and rows[tree.district_b.pk]["latest"] is None
    mine = district.get("/api/v1/filing-requests/").json()["results"][0]["filers"]
    assert {r["filer"] for r in mine} == {tree.district_a.pk, tree.school_a.pk}  # its own and its school
