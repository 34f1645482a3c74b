"""Programme events in the audit viewer with the objects' own visibility: progress reports, filings (plans and
quality reports) and evaluations. A district's admin sees its schools' filings, not another's; a scorecard's
comment on a draft stays hidden from the unit's admins until the version is published (a draft is the office's)."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from organizations.roles import Role
from organizations.services import membership_grant
from programmes import evaluations, services
from programmes.figures import QUALITY_REPORT_FIGURES
from programmes.models import FilingRequest, Programme

from .conftest import _user

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FIGURES = {"enrolment": 1, "employment_rate": 90, "dual_teacher_share": 50, "equipment_per_student": 1000}


@pytest.fixture
def made(tree, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    programme = Programme.objects.create(code="P", title="计划", issuer=tree.city, starts_on=dt.date(2026, 1, 1),
                                         ends_on=dt.date(2026, 12, 31))
    ask = FilingRequest.objects.create(programme=programme, title="质量年度报告", kind="quality",
                                       due_date=dt.date(2027, 3, 31), figure_spec=QUALITY_REPORT_FIGURES)
    ask.filers.add(tree.school_a, tree.school_c)
    mine = services.filing_submit(user=people.school_leader, filing_request=ask, filer=tree.school_a,
                                  document=SimpleUploadedFile("r.pdf", PDF), figures=FIGURES)
    theirs = services.filing_submit(user=_user("sc_leader", tree.school_c, Role.SCHOOL_LEADER), filing_request=ask,
                                    filer=tree.school_c, document=SimpleUploadedFile("r.pdf", PDF), figures=FIGURES)
    evaluation = evaluations.evaluation_create(user=people.city_leader, programme=programme, title="评价",
                                               period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30))
    card = evaluation.versions.get().scorecards.get(unit=tree.school_a)
    evaluations.scorecard_comment(user=people.district_leader, scorecard=card, text="需加强")
    return {"mine": mine, "theirs": theirs, "evaluation": evaluation}


def _admin(org, name):
    user = get_user_model().objects.create_user(username=name, password="pw-for-tests-1")
    membership_grant(user=user, organization=org, role=Role.ADMIN)
    return user


def _seen(client, user):
    client.force_login(user)
    return {(e.action, e.object_id) for e in client.get("/security/audit/").context["page"]}


def test_a_district_admin_sees_its_schools_filings_and_published_scorecards_only(client, made, tree, people):
    admin = _admin(tree.district_a, "district_admin")
    seen = _seen(client, admin)
    assert ("programme.filing_submit", str(made["mine"].pk)) in seen
    assert ("programme.filing_submit", str(made["theirs"].pk)) not in seen
    assert not {a for a, _o in seen if a.startswith("programme.scorecard") or a.startswith("programme.evaluation")}
    evaluations.evaluation_publish(user=people.city_leader, version=made["evaluation"].versions.get())
    assert "programme.scorecard_comment" in {a for a, _o in _seen(client, admin)}


def test_the_city_admin_sees_both_filings_and_the_office_events_once_published(client, made, people):
    seen = _seen(client, people.city_admin)
    assert {("programme.filing_submit", str(made["mine"].pk)),
            ("programme.filing_submit", str(made["theirs"].pk))} <= seen
    assert "programme.evaluation_create" not in {a for a, _o in seen}  # a draft: the office's only
    evaluations.evaluation_publish(user=people.city_leader, version=made["evaluation"].versions.get())
    assert {"programme.evaluation_create", "programme.evaluation_publish"} <= {a for a, _o in
                                                                               _seen(client, people.city_admin)}
