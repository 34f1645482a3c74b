"""The RULES table, row by row: who is told, and who never is."""
import pytest

from notifications import events as ev
from notifications.models import Notification
from notifications.rules import RULES
from .notification_factories import make_extension, make_order, make_report, make_visit


def _order(tree, people, **fields):
    return make_order(school=tree.school_a, issued_by=people.district_inspector, **fields)


def _report(tree, people):
    return make_report(order=_order(tree, people), author=people.school_staff)


def _extension(tree, people):
    return make_extension(order=_order(tree, people), requester=people.school_staff)


def _clue(tree, people):
    from .clue_helpers import hotline_clue
    return hotline_clue(people, tree)


def _campaign(tree, people):
    from .draw_helpers import random_campaign
    return random_campaign(people, tree)


def _visit(tree, people):
    return make_visit(school=tree.school_a, organiser=tree.district_a, kind="surprise",
                      team=[people.district_inspector, people.city_inspector])


def _selfcheck(tree, people):
    """School A's self-inspection, submitted by its staff (the school leader's turn to sign)."""
    from selfchecks import services
    from .selfcheck_helpers import campaign_with_request, items

    campaign, request = campaign_with_request(people, tree)
    selfcheck = services.selfcheck_start(request=request, school=tree.school_a, user=people.school_staff)
    services.result_record(selfcheck=selfcheck, user=people.school_staff, item=items(campaign)[0].pk, result="pass")
    return services.selfcheck_submit(selfcheck=selfcheck, user=people.school_staff, summary="已自查")


def _programme(tree, people):
    from .programme_helpers import programme_with_tasks, units_and_people
    return programme_with_tasks(tree, units_and_people(tree, people))


def _unit_report(tree, people):
    """A 人社局 liaison's report on the task 人社局 leads (made directly: the flow is not under test here)."""
    import datetime as dt
    from programmes.models import ProgressReport
    task = _programme(tree, people).led
    return ProgressReport.objects.create(task=task, unit=task.lead_unit, period="2026-Q3",
                                         period_end=dt.date(2026, 9, 30), narrative="进展",
                                         submitted_by=task.lead_unit.memberships.get(role="liaison").user)


def _task_notice(kind):
    def build(tree, people):
        import datetime as dt
        from programmes.models import SupervisionNotice
        return SupervisionNotice.objects.create(task=_programme(tree, people).led, kind=kind, period="2026-Q3",
                                                day=dt.date(2026, 10, 16))
    return build


def _scorecard(tree, people):
    import datetime as dt
    from programmes import evaluations
    evaluation = evaluations.evaluation_create(user=people.city_leader, programme=_programme(tree, people).programme,
                                               title="绩效评价", period_start=dt.date(2026, 1, 1),
                                               period_end=dt.date(2026, 6, 30))
    return evaluation.versions.get().scorecards.get(unit=tree.school_a)


def _district_filing(tree, people):
    import datetime as dt
    from programmes.models import FilingRequest, PlanFiling
    request = FilingRequest.objects.create(programme=_programme(tree, people).programme, title="工作方案备案",
                                           due_date=dt.date(2026, 3, 31))
    request.filers.add(tree.district_a, tree.school_a)
    return PlanFiling.objects.create(request=request, filer=tree.district_a, document="filings/p.pdf",
                                     submitted_by=people.district_leader)


def _filing_notice(tree, people):
    import datetime as dt
    from programmes.models import FilingNotice
    request = _district_filing(tree, people).request
    return FilingNotice.objects.create(request=request, filer=tree.school_a, day=dt.date(2026, 4, 1))


# (event, target builder, told, never told)
ROWS = [
    # Only the school leader signs (inspections.orders.actions): only they are asked to.
    (ev.ORDER_ISSUED, _order, {"school_leader"},
     {"school_staff", "outsider", "other_school_staff", "district_leader", "district_inspector"}),
    (ev.ORDER_SIGNED, _order, {"district_inspector", "school_staff", "school_leader"},
     {"city_inspector", "outsider", "district_leader"}),
    (ev.ORDER_SIGN_REMINDER, _order, {"school_leader", "district_leader"},
     {"school_staff", "other_district_leader", "city_leader", "outsider"}),
    (ev.ORDER_DEADLINE_REMINDER, _order, {"school_staff", "school_leader"}, {"outsider", "other_school_staff"}),
    (ev.ORDER_OVERDUE, _order, {"school_leader", "district_leader"},
     {"city_leader", "other_district_leader", "school_staff"}),
    (ev.ORDER_REPORT_SUBMITTED, _report, {"school_leader"}, {"outsider", "district_leader", "other_school_staff"}),
    (ev.ORDER_REPORT_RETURNED, _report, {"school_staff"}, {"school_leader", "outsider"}),
    (ev.ORDER_REPORTED, _order, {"district_inspector"},
     {"other_district_inspector", "city_inspector", "school_staff", "district_leader"}),
    (ev.ORDER_RECHECK_OVERDUE, _order, {"district_inspector", "city_inspector", "district_leader"},
     {"other_district_inspector", "other_district_leader", "school_leader"}),
    (ev.ORDER_RECHECK_FAILED, _order, {"school_staff", "school_leader"}, {"other_school_staff", "outsider"}),
    (ev.ORDER_RECHECK_PASSED, _order, {"district_leader"}, {"other_district_leader", "city_leader", "school_leader"}),
    (ev.ORDER_CLOSED, _order, {"school_staff", "school_leader", "district_inspector"},
     {"city_leader", "outsider", "other_district_inspector"}),
    (ev.ORDER_CLOSURE_RETURNED, _order, {"district_inspector"},
     {"other_district_inspector", "city_inspector", "school_staff", "school_leader"}),
    (ev.ORDER_ESCALATED, _order, {"city_leader"}, {"other_district_leader", "school_staff", "outsider"}),
    (ev.ORDER_CITY_REVIEW, lambda tree, people: _order(tree, people, severity="major"), {"city_leader"},
     {"district_leader", "school_leader", "city_inspector"}),
    (ev.EXTENSION_REQUESTED, _extension, {"district_leader"}, {"other_district_leader", "school_leader"}),
    (ev.EXTENSION_DECIDED, _extension, {"school_staff", "school_leader"}, {"outsider", "district_leader"}),
    (ev.VISIT_ASSIGNED, _visit, {"district_inspector", "city_inspector"},
     {"school_staff", "school_leader", "other_district_inspector"}),
    (ev.VISIT_SUBMITTED, _visit, {"district_leader"}, {"other_district_leader", "city_leader", "school_leader"}),
    (ev.VISIT_RETURNED, _visit, {"district_inspector", "city_inspector"}, {"district_leader", "school_staff"}),
    (ev.VISIT_APPROVED, _visit, {"district_inspector", "city_inspector"}, {"district_leader", "school_staff"}),
    # Clues reach the responsible authority's staff only, never the school.
    (ev.CLUE_REGISTERED, _clue, {"district_leader"}, {"school_leader", "school_staff", "city_leader"}),
    (ev.CLUE_TO_VERIFY, _clue, {"district_inspector", "city_inspector"}, {"school_leader", "district_leader"}),
    (ev.CLUE_TO_REPLY, _clue, {"district_leader"}, {"school_leader", "school_staff", "other_district_leader"}),
    (ev.CLUE_OVERDUE, _clue, {"district_leader"}, {"school_leader", "school_staff", "other_district_leader"}),
    (ev.CLUE_REPLIED, _clue, set(), {"district_leader", "school_leader", "district_inspector"}),  # settles only
    (ev.CAMPAIGN_PUBLICATION_DUE, _campaign, {"city_leader"}, {"district_leader", "school_leader"}),
    (ev.CAMPAIGN_RESULTS_PUBLISHED, _campaign, set(), {"city_leader", "district_leader"}),  # settles only
    # Programmes: a department's people and the programme office only; never a school, nor another unit.
    (ev.PROGRAMME_REPORT_TO_SIGN, _unit_report, {"rsj_leader"}, {"rsj_liaison", "city_leader", "school_leader"}),
    (ev.PROGRAMME_REPORT_TO_REVIEW, _unit_report, {"city_leader"},
     {"rsj_leader", "district_leader", "city_inspector", "wjw_liaison"}),
    (ev.PROGRAMME_REPORT_ACCEPTED, _unit_report, {"rsj_liaison"}, {"rsj_leader", "city_leader", "wjw_liaison"}),
    (ev.PROGRAMME_REPORT_RETURNED, _unit_report, {"rsj_liaison"}, {"rsj_leader", "city_leader", "wjw_liaison"}),
    (ev.PROGRAMME_REPORT_MISSING, _task_notice("missing"), {"rsj_liaison", "rsj_leader"},
     {"city_leader", "wjw_liaison", "city_liaison", "school_leader"}),
    (ev.PROGRAMME_TASK_LAGGING, _task_notice("lagging"), {"rsj_leader", "city_leader"},
     {"rsj_liaison", "wjw_liaison", "district_leader"}),
    (ev.PROGRAMME_TASK_OVERDUE, _task_notice("overdue"), {"rsj_leader", "city_leader"},
     {"rsj_liaison", "wjw_liaison", "district_leader"}),
    (ev.PROGRAMME_FILING_TO_REVIEW, _district_filing, {"city_leader"},
     {"district_leader", "other_district_leader", "city_inspector"}),
    (ev.PROGRAMME_FILING_ACCEPTED, _district_filing, {"district_leader"},
     {"other_district_leader", "city_leader", "district_inspector"}),
    (ev.PROGRAMME_FILING_RETURNED, _district_filing, {"district_leader"},
     {"other_district_leader", "city_leader", "district_inspector"}),
    (ev.PROGRAMME_FILING_OVERDUE, _filing_notice, {"school_leader"}, {"school_staff", "district_leader", "city_leader"}),
    # Self-inspection: the school's own people only; the bureau is not told of a report it cannot see yet.
    (ev.SELFCHECK_TO_SIGN, _selfcheck, {"school_leader"}, {"school_staff", "outsider", "district_leader"}),
    (ev.SELFCHECK_SIGNED, _selfcheck, set(), {"school_leader", "school_staff", "district_inspector"}),  # settles
    (ev.SELFCHECK_RETURNED, _selfcheck, {"school_staff"}, {"school_leader", "outsider", "district_leader"}),
    (ev.PROGRAMME_EVALUATION_PUBLISHED, _scorecard, {"school_leader"},
     {"school_staff", "district_leader", "other_district_leader", "outsider"}),
]

TOLD = [row for row in ROWS if row[2]]


def told(event):
    return {n.recipient.username for n in Notification.objects.filter(kind=event).select_related("recipient")}


def test_every_event_constant_has_a_rule_and_a_test_row():
    constants = {v for k, v in vars(ev).items() if k.isupper() and isinstance(v, str) and "." in v}
    assert constants == set(RULES)  # one table: no row is added from elsewhere
    assert constants == {row[0] for row in ROWS}


@pytest.mark.parametrize(("event", "build", "expected", "never"), ROWS, ids=[r[0] for r in ROWS])
def test_event_reaches_exactly_the_people_the_table_names(people, tree, event, build, expected, never):
    target = build(tree, people)
    ev.emit(event, target=target)
    assert told(event) == expected
    assert not (told(event) & never)


@pytest.mark.parametrize(("event", "build", "expected", "never"), TOLD, ids=[r[0] for r in TOLD])
def test_title_names_the_order_and_link_points_at_its_page(people, tree, event, build, expected, never):
    target = build(tree, people)
    ev.emit(event, target=target)
    note = Notification.objects.filter(kind=event).first()
    order = getattr(target, "order", target)
    if event.startswith("visit."):
        assert tree.school_a.name in note.title and note.link == f"/visits/{target.pk}/"
    elif event.startswith("clue."):
        assert target.external_ref in note.title and note.link == f"/clues/{target.pk}/"
        assert "王秘密" not in note.title  # never the complainant
    elif event.startswith("campaign."):
        assert target.title in note.title and note.link == f"/draws/campaigns/{target.pk}/"
    elif event.startswith("programme.evaluation"):
        assert target.unit.name in note.title and note.link == f"/programmes/scorecards/{target.pk}/"
    elif event.startswith("programme.filing"):
        filing = getattr(target, "request", None)
        assert filing.title in note.title and note.link.startswith("/programmes/filing")
    elif event.startswith("selfcheck."):
        assert tree.school_a.name in note.title and note.link == f"/selfchecks/{target.pk}/"
    elif event.startswith("programme."):
        task = getattr(target, "task", target)
        assert task.title in note.title and note.link.startswith("/programmes/")
    else:
        assert order.number in note.title and note.link == f"/orders/{order.pk}/"


def test_second_overdue_also_tells_the_city_leader(people, tree):
    order = _order(tree, people, overdue_count=2)
    ev.emit(ev.ORDER_OVERDUE, target=order)
    assert told(ev.ORDER_OVERDUE) == {"school_leader", "district_leader", "city_leader"}


def test_closure_of_a_major_finding_also_tells_the_city_leader(people, tree):
    ev.emit(ev.ORDER_CLOSED, target=_order(tree, people, severity="major"))
    assert "city_leader" in told(ev.ORDER_CLOSED)
    assert "other_district_leader" not in told(ev.ORDER_CLOSED)


def test_city_school_reports_go_to_city_inspectors_not_a_district(people, tree):
    order = make_order(school=tree.school_c, issued_by=people.city_inspector)
    ev.emit(ev.ORDER_REPORTED, target=order)
    assert told(ev.ORDER_REPORTED) == {"city_inspector"}


def test_city_school_recheck_passed_goes_to_the_city_leader_as_its_district(people, tree):
    order = make_order(school=tree.school_c, issued_by=people.city_inspector)
    ev.emit(ev.ORDER_RECHECK_PASSED, target=order)
    assert told(ev.ORDER_RECHECK_PASSED) == {"city_leader"}


def test_the_actor_is_not_told_of_their_own_action(people, tree):
    ev.emit(ev.ORDER_ISSUED, target=_order(tree, people), actor=people.school_staff)
    assert told(ev.ORDER_ISSUED) == {"school_leader"}


def test_recipient_blind_to_the_school_is_never_told(people, tree):
    # An order wrongly recorded as issued by another district's inspector: that person cannot see school A.
    order = make_order(school=tree.school_a, issued_by=people.other_district_inspector)
    ev.emit(ev.ORDER_SIGNED, target=order)
    assert "other_district_inspector" not in told(ev.ORDER_SIGNED)
    assert told(ev.ORDER_SIGNED) == {"school_staff", "school_leader"}


def test_unknown_event_is_refused(people, tree):
    with pytest.raises(KeyError):
        ev.emit("order.vanished", target=_order(tree, people))


def test_report_returned_prefers_the_report_in_context(people, tree):
    order = _order(tree, people)
    make_report(order=order, author=people.school_leader)
    first = make_report(order=order, author=people.school_staff)
    ev.emit(ev.ORDER_REPORT_RETURNED, target=order, report=first)
    assert told(ev.ORDER_REPORT_RETURNED) == {"school_staff"}
