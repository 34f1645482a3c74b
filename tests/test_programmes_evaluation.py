"""绩效评价: the scorecards of a hand-made fixture match hand-computed values; weights changed after publication
make a new version and leave the published scorecards unchanged; the wrong persona is refused.

Fixture (period 2026-01-01..06-30, default scheme: weights TP 30, FOT 15, F 20, ROT 20, RF 10, SIA 5;
severity points general 1, serious 3, major 6; cap 10):
  task 1 led by 甲区: one number indicator, target 100, accepted value 60 (2026-Q1) → TP(甲区) = 0.6
      (a later accepted 90 for 2026-Q3 lies after the period and is ignored)
  filing due 03-31, filers 甲区 (on time) and 乙区 (late) → FOT 1 and 0
  findings: SA general A1 02-10, SA serious A1 04-10 (repeat of the first); SA2 major B1 05-01
  orders due in the period: SA one closed on time, one closed late; SA2 one open past its deadline; SB one on time
Hand-computed:
  SA  = 100 × (20×0.6 + 20×0.5 + 10×0.5) / 50 = 54.00            F = 1 − 4/10, ROT 1/2, RF 1 − 1/2
  SA2 = 100 × (20×0.4 + 20×0 + 10×1) / 50 = 36.00                F = 1 − 6/10, ROT 0/1, RF 1
  SB  = 100 × (20×1 + 20×1) / 40 = 100.00; SC = 100 × 20×1 / 20 = 100.00 (no order, no finding)
  甲区 = 100 × (30×0.6 + 15×1 + 20×0.5 + 20×0.3333 + 10×0.6667) / 95 = 59.30   F = 1 − 10/2/10
  乙区 = 100 × (15×0 + 20×1 + 20×1) / 55 = 72.73
  ranks: schools SB 1, SC 1, SA 3, SA2 4; districts 乙区 1, 甲区 2
"""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from inspections.models import AuditEvent
from notifications.models import Notification
from organizations.roles import Role
from programmes import evaluations, scoring
from programmes.conflicts import ReportConflict
from programmes.models import (FilingRequest, Indicator, IndicatorValue, PlanFiling, Programme, ProgrammeTask,
                               ProgressReport, Scorecard)

from .conftest import _user
from .reports_helpers import at, checklist, make_finding, make_order
from .selfcheck_helpers import campaign_with_request, items, signed_selfcheck
from .test_selfchecks import inspector_visit

pytestmark = pytest.mark.django_db
d = dt.date


def _accepted(task, indicator, user, period, end, value):
    report = ProgressReport.objects.create(task=task, unit=task.lead_unit, period=period, period_end=end,
                                           narrative="进展", submitted_by=user,
                                           status=ProgressReport.Status.ACCEPTED)
    IndicatorValue.objects.create(report=report, indicator=indicator, value=Decimal(value))


@pytest.fixture
def world(tree, people):
    programme = Programme.objects.create(code="P", title="测试计划", issuer=tree.city, starts_on=d(2026, 1, 1),
                                         ends_on=d(2027, 12, 31))
    task = ProgrammeTask.objects.create(programme=programme, no=1, area="结构", title="扩大规模", target="100人",
                                        lead_unit=tree.district_a)
    indicator = Indicator.objects.create(task=task, name="在校生", kind=Indicator.Kind.NUMBER, unit="人",
                                         target_value=100)
    _accepted(task, indicator, people.district_leader, "2026-Q1", d(2026, 3, 31), 60)
    _accepted(task, indicator, people.district_leader, "2026-Q3", d(2026, 9, 30), 90)
    request = FilingRequest.objects.create(programme=programme, title="备案", due_date=d(2026, 3, 31))
    request.filers.add(tree.district_a, tree.district_b)
    for filer, late in ((tree.district_a, False), (tree.district_b, True)):
        PlanFiling.objects.create(request=request, filer=filer, document="x.pdf", late=late,
                                  submitted_by=people.district_leader)
    _template, _sections, items = checklist()
    insp = people.district_inspector
    make_finding(school=tree.school_a, item=items["A1"], found=at(d(2026, 2, 10)), found_by=insp)
    make_finding(school=tree.school_a, item=items["A1"], found=at(d(2026, 4, 10)), found_by=insp, severity="serious")
    make_finding(school=tree.school_a2, item=items["B1"], found=at(d(2026, 5, 1)), found_by=insp, severity="major")
    issued = at(d(2026, 3, 2))
    make_order(school=tree.school_a, issuer=tree.district_a, issued_by=insp, issued=issued, closed=at(d(2026, 3, 5)))
    make_order(school=tree.school_a, issuer=tree.district_a, issued_by=insp, issued=issued, closed=at(d(2026, 3, 20)))
    make_order(school=tree.school_a2, issuer=tree.district_a, issued_by=insp, issued=issued)
    make_order(school=tree.school_b, issuer=tree.district_b, issued_by=insp, issued=issued, closed=at(d(2026, 3, 4)))
    evaluation = evaluations.evaluation_create(user=people.city_leader, programme=programme, title="2026上半年绩效评价",
                                               period_start=d(2026, 1, 1), period_end=d(2026, 6, 30))
    return evaluation


def _cards(version):
    return {c.unit.code: (c.score, c.rank) for c in version.scorecards.select_related("unit")}


def test_the_scorecards_match_the_hand_computed_values(world):
    version = world.versions.get()
    assert _cards(version) == {
        "SA": (Decimal("54.00"), 3), "SA2": (Decimal("36.00"), 4), "SB": (Decimal("100.00"), 1),
        "SC": (Decimal("100.00"), 1), "DA": (Decimal("59.30"), 2), "DB": (Decimal("72.73"), 1)}
    da = version.scorecards.get(unit__code="DA").inputs
    assert da["rectification_on_time"] == {"value": "0.3333", "on_time": 1, "late": 2}
    assert da["self_inspection_agreement"] == {"value": None, "self_reported": 0, "inspector_findings": 0}  # no self-inspection


def test_weights_changed_after_publication_make_a_new_version_and_leave_the_published_one(world, people, tree):
    v1 = evaluations.evaluation_publish(user=people.city_leader, version=world.versions.get())
    published = _cards(v1)
    again = evaluations.evaluation_publish(user=people.city_leader, version=v1)  # a second publish: no-op
    assert again.published_at == v1.published_at
    assert AuditEvent.objects.filter(action="programme.evaluation_publish").count() == 1
    told = Notification.objects.filter(kind="programme.evaluation_published")
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "district_leader", "other_district_leader", "school_leader"]  # each unit's own leaders, once
    scheme = {**scoring.DEFAULT_SCHEME, "weights": {**scoring.DEFAULT_SCHEME["weights"], "task_progress": 0}}
    with pytest.raises(ValidationError):  # after publication a change needs a reason
        evaluations.evaluation_set_weights(user=people.city_leader, evaluation=world, scheme=scheme)
    v2 = evaluations.evaluation_set_weights(user=people.city_leader, evaluation=world, scheme=scheme,
                                            reason="任务进展另行考核")
    assert v2.number == 2 and not v2.is_published
    # 甲区 without TP: 100 × (15 + 10 + 6.666 + 6.667) / 65 = 58.97
    assert _cards(v2)["DA"] == (Decimal("58.97"), 2)
    make_order(school=tree.school_b, issuer=tree.district_b, issued_by=people.district_inspector,
               issued=at(d(2026, 3, 2)))  # new data: one more late order at SB
    with pytest.raises(ReportConflict):
        evaluations.evaluation_recompute(user=people.city_leader, version=v1)
    evaluations.evaluation_recompute(user=people.city_leader, version=v2)
    assert _cards(v2)["SB"] == (Decimal("75.00"), 2)  # 100 × (20×1 + 20×0.5) / 40
    assert _cards(type(v1).objects.get(pk=v1.pk)) == published


def test_only_the_office_runs_the_evaluation(world, people, tree):
    version = world.versions.get()
    for user in (people.district_leader, people.city_inspector, people.city_admin):
        with pytest.raises(PermissionDenied):
            evaluations.evaluation_publish(user=user, version=version)
        with pytest.raises(PermissionDenied):
            evaluations.evaluation_recompute(user=user, version=version)


def test_a_comment_is_shown_once_another_office_leader_reviewed_it(world, people, tree):
    card = world.versions.get().scorecards.get(unit=tree.school_a)
    with pytest.raises(PermissionDenied):  # another district reaches no school of 甲区
        evaluations.scorecard_comment(user=people.other_district_leader, scorecard=card, text="评语")
    card = evaluations.scorecard_comment(user=people.district_leader, scorecard=card, text="整改按期率偏低")
    with pytest.raises(PermissionDenied):  # the district is not the office
        evaluations.scorecard_comment_review(user=people.district_leader, scorecard=card)
    mine = evaluations.scorecard_comment(user=people.city_leader, scorecard=world.versions.get().scorecards.get(
        unit=tree.school_b), text="好")
    with pytest.raises(PermissionDenied):  # nobody reviews their own comment
        evaluations.scorecard_comment_review(user=people.city_leader, scorecard=mine)
    card = evaluations.scorecard_comment_review(user=people.city_leader, scorecard=card)
    assert card.comment_reviewed_by == people.city_leader
    other = _user("city_leader2", tree.city, Role.LEADER)
    evaluations.scorecard_comment_review(user=other, scorecard=mine)
    evaluations.evaluation_recompute(user=people.city_leader, version=card.version)
    kept = Scorecard.objects.get(version=card.version, unit=tree.school_a)
    assert kept.comment == "整改按期率偏低" and kept.comment_reviewed_by == people.city_leader


def test_pages_by_persona_draft_hidden_until_published(client, world, people, tree):
    version = world.versions.get()
    client.force_login(people.city_leader)
    page = client.get(f"/programmes/evaluations/{world.pk}/").content.decode()
    assert 'data-unit="DA" data-score="59.30" data-rank="2"' in page and "100 × (30×task_progress" in page
    assert client.get(f"/programmes/evaluation-versions/{version.pk}/export.xlsx").status_code == 200
    pdf = client.get(f"/programmes/evaluation-versions/{version.pk}/export.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    card = version.scorecards.get(unit=tree.school_a)
    client.force_login(people.district_leader)  # a draft is the office's only
    assert client.get(f"/programmes/evaluations/{world.pk}/").status_code == 404
    assert client.get(f"/programmes/scorecards/{card.pk}/").status_code == 404
    assert client.get(f"/programmes/evaluations/{world.pk}/public/").status_code == 404
    assert client.post(f"/programmes/evaluation-versions/{version.pk}/publish/").status_code == 404
    evaluations.evaluation_publish(user=people.city_leader, version=version)
    page = client.get(f"/programmes/evaluations/{world.pk}/").content.decode()
    assert 'data-unit="SA"' in page and 'data-unit="DA"' in page and 'data-unit="SB"' not in page
    client.post(f"/programmes/evaluation-versions/{version.pk}/recompute/")  # seen, not the office's: refused
    assert AuditEvent.objects.filter(action="programme.evaluation_recompute").count() == 0
    client.force_login(people.school_leader)
    assert client.get(f"/programmes/scorecards/{card.pk}/").status_code == 200
    other = version.scorecards.get(unit=tree.school_a2)
    assert client.get(f"/programmes/scorecards/{other.pk}/").status_code == 404
    client.logout()
    public = client.get(f"/programmes/evaluations/{world.pk}/public/").content.decode()
    assert 'data-unit="SB" data-score="100.00" data-rank="1"' in public and "/scorecards/" not in public


def test_the_api_by_persona(client, world, people, tree):
    version = world.versions.get()
    client.force_login(people.district_leader)
    assert client.get(f"/api/v1/evaluations/{world.pk}/").status_code == 404  # a draft: the office's only
    assert client.post(f"/api/v1/evaluation-versions/{version.pk}/publish/").status_code == 404
    assert client.post(f"/api/v1/programmes/{world.programme_id}/evaluations/",
                       {"title": "x", "period_start": "2026-01-01", "period_end": "2026-06-30"},
                       content_type="application/json").status_code == 403
    client.force_login(people.city_leader)
    bad = client.post(f"/api/v1/evaluations/{world.pk}/weights/",
                      {"scheme": {"weights": {"bogus": 1}}}, content_type="application/json")
    assert bad.status_code == 400 and "weights.bogus" in bad.content.decode()
    published = client.post(f"/api/v1/evaluation-versions/{version.pk}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert client.post(f"/api/v1/evaluation-versions/{version.pk}/recompute/").status_code == 409
    v2 = client.post(f"/api/v1/evaluations/{world.pk}/weights/",
                     {"scheme": {"weights": {"findings": 1}}, "reason": "只看问题"}, content_type="application/json")
    assert v2.status_code == 200 and v2.json()["number"] == 2
    cards = client.get(f"/api/v1/evaluation-versions/{version.pk}/scorecards/").json()
    assert {c["unit_name"]: c["score"] for c in cards}["甲区教体局"] == "59.30"
    client.force_login(people.district_leader)
    seen = client.get(f"/api/v1/evaluation-versions/{version.pk}/scorecards/").json()
    assert sorted(c["unit_name"] for c in seen) == ["甲一职专", "甲二职专", "甲区教体局"]
    assert [v["number"] for v in client.get(f"/api/v1/evaluations/{world.pk}/").json()["versions"]] == [1]
    card = version.scorecards.get(unit=tree.school_a)
    assert client.post(f"/api/v1/scorecards/{card.pk}/comment/", {"comment": "好"},
                       content_type="application/json").status_code == 409  # v1 is published: frozen


def test_a_school_that_missed_half_of_what_the_inspectors_found_scores_half_on_agreement(tree, people):
    campaign, request = campaign_with_request(people, tree)
    first, second, third = items(campaign)[:3]
    signed_selfcheck(people, tree, request, failed_item=first, passed_items=[second, third])
    inspector_visit(people, tree, campaign, [first, second])  # the school had passed `second` itself
    today = timezone.localdate()
    programme = Programme.objects.create(code="P2", title="测试计划", issuer=tree.city, starts_on=today,
                                         ends_on=today)
    evaluation = evaluations.evaluation_create(user=people.city_leader, programme=programme, title="自查评价",
                                               period_start=today, period_end=today)
    cards = {c.unit_id: c.inputs for c in evaluation.versions.get().scorecards.all()}
    assert cards[tree.school_a.pk]["self_inspection_agreement"] == {
        "value": "0.5000", "self_reported": 1, "inspector_findings": 2}
    assert cards[tree.district_a.pk]["self_inspection_agreement"]["value"] == "0.5000"
    assert all(inputs["self_inspection_agreement"]["value"] is None  # no self-inspection there
               for unit, inputs in cards.items() if unit not in (tree.school_a.pk, tree.district_a.pk, tree.city.pk))
