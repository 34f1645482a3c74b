"""质量年度报告: schools submit the year's report with its key figures through the filing flow; the school's
own district reviews it (it is told; the city's reach over the district is the policy's, another district has
none); late and returned reports show on the board."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.models import AuditEvent
from notifications.models import Notification
from programmes import services
from programmes.figures import QUALITY_REPORT_FIGURES
from programmes.models import FilingRequest, PlanFiling, Programme

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FIGURES = {"enrolment": "1200", "employment_rate": "96.5", "dual_teacher_share": "58", "equipment_per_student": 9800}


def pdf():
    return SimpleUploadedFile("质量年度报告.pdf", PDF, "application/pdf")


@pytest.fixture
def ask(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    programme = Programme.objects.create(code="P", title="测试计划", issuer=tree.city, starts_on=dt.date(2026, 1, 1),
                                         ends_on=dt.date(2026, 12, 31))
    request = FilingRequest.objects.create(programme=programme, title="2025年度质量年度报告", year=2025,
                                           kind=FilingRequest.Kind.QUALITY_REPORT, due_date=dt.date(2026, 3, 31),
                                           figure_spec=QUALITY_REPORT_FIGURES)
    request.filers.add(tree.school_a, tree.school_a2, tree.school_c)
    return request


def test_the_district_reviews_its_school_and_another_district_may_not(ask, tree, people):
    report = services.filing_submit(user=people.school_leader, filing_request=ask, filer=tree.school_a,
                                    document=pdf(), figures=FIGURES)
    assert report.late and report.figures == {"enrolment": "1200.00", "employment_rate": "96.50",
                                              "dual_teacher_share": "58.00", "equipment_per_student": "9800.00"}
    assert Notification.objects.filter(kind="programme.filing_to_review", recipient=people.district_leader).exists()
    assert not Notification.objects.filter(kind="programme.filing_to_review", recipient=people.city_leader).exists()
    with pytest.raises(PermissionDenied):
        services.filing_review(user=people.school_leader, filing=report, accept=True)
    with pytest.raises(PermissionDenied):
        services.filing_review(user=people.other_district_leader, filing=report, accept=True)
    services.filing_review(user=people.district_leader, filing=report, accept=False, comment="就业率口径不清")
    again = services.filing_submit(user=people.school_leader, filing_request=ask, filer=tree.school_a,
                                   document=pdf(), figures={**FIGURES, "employment_rate": "95"})
    services.filing_review(user=people.district_leader, filing=again, accept=True)
    assert PlanFiling.objects.get(pk=again.pk).status == PlanFiling.Status.ACCEPTED and again.round == 2
    actions = list(AuditEvent.objects.filter(object_id__in=[str(report.pk), str(again.pk)],
                                             action__startswith="programme.filing").values_list("action", flat=True))
    assert sorted(actions) == ["programme.filing_review"] * 2 + ["programme.filing_submit"] * 2


def test_a_school_under_the_city_is_reviewed_by_the_city(ask, tree, people):
    from tests.conftest import _user
    from organizations.roles import Role

    leader = _user("city_school_leader", tree.school_c, Role.SCHOOL_LEADER)
    report = services.filing_submit(user=leader, filing_request=ask, filer=tree.school_c, document=pdf(),
                                    figures=FIGURES)
    services.filing_review(user=people.city_leader, filing=report, accept=True)
    assert PlanFiling.objects.get(pk=report.pk).status == PlanFiling.Status.ACCEPTED


@pytest.mark.parametrize("figures, field", [
    ({**FIGURES, "enrolment": "很多"}, "figures.enrolment"),
    ({k: v for k, v in FIGURES.items() if k != "employment_rate"}, "figures.employment_rate"),
    ({**FIGURES, "employment_rate": "120"}, "figures.employment_rate"),
    ({**FIGURES, "bogus": "1"}, "figures.bogus"),
])
def test_bad_figures_are_refused_by_name(ask, tree, people, figures, field):
    with pytest.raises(ValidationError) as refused:
        services.filing_submit(user=people.school_leader, filing_request=ask, filer=tree.school_a, document=pdf(),
                               figures=figures)
    assert field in refused.value.message_dict
    assert not PlanFiling.objects.exists()


def test_the_board_shows_late_and_returned_and_the_api_takes_figures(client, ask, tree, people):
    report = services.filing_submit(user=people.school_leader, filing_request=ask, filer=tree.school_a,
                                    document=pdf(), figures=FIGURES)
    services.filing_review(user=people.district_leader, filing=report, accept=False, comment="补充数据")
    client.force_login(people.district_leader)
    page = client.get(f"/programmes/filing-requests/{ask.pk}/").content.decode()
    assert f'data-filer="{tree.school_a.pk}" data-state="returned"' in page and "data-late" in page
    assert f'data-filer="{tree.school_a2.pk}" data-state="missing_late"' in page
    assert f'data-filer="{tree.school_c.pk}"' not in page  # the city's own school is not the district's
    detail = client.get(f"/programmes/filings/{report.pk}/").content.decode()
    assert 'data-figure="employment_rate">96.50' in detail
    client.force_login(people.school_leader)
    bad = client.post(f"/api/v1/filing-requests/{ask.pk}/file/",
                      {"filer": tree.school_a.pk, "document": pdf(), "figures": '{"enrolment": "x"}'})
    assert bad.status_code == 400 and "figures.enrolment" in bad.content.decode()
    import json
    good = client.post(f"/api/v1/filing-requests/{ask.pk}/file/",
                       {"filer": tree.school_a.pk, "document": pdf(), "figures": json.dumps(FIGURES)})
    assert good.status_code == 201 and good.json()["round"] == 2 and good.json()["figures"]["enrolment"] == "1200.00"
    client.force_login(people.other_district_leader)
    assert client.get(f"/programmes/filings/{report.pk}/").status_code == 404
