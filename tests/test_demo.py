"""The demo province: load_demo builds the tree, the users and a few months of work, once."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from guardian.models import GroupObjectPermission
from viewflow.workflow.models import Task

from inspections.models import AuditEvent, ChecklistItem, Clue, Draw, ExtensionRequest, RectificationOrder, Visit
from notifications.models import Notification
from organizations import policy
from organizations.demo import DEMO_USERS
from organizations.models import Membership, Organization
from organizations.roles import Perm

SCHOOL_PERSONAS = [u for u, _, code, _ in DEMO_USERS if code.startswith("S-")]
COMPLAINANTS = ["王女士", "李先生", "赵女士", "孙先生", "周女士", "吴先生", "刘女士", "陈女士", "1390000000"]

# What each persona finds in /api/v1/tasks/ (at least these kinds), besides their notifications.
EXPECTED_TASKS = {
    "jn_leader": {"city_overdue_supervise", "city_approve"},
    "jn_inspector": {"recheck"},
    "cq_leader": {"approve_closure", "decide_extension"},
    "cq_inspector": {"recheck"},
    "cqzz_leader": {"sign", "approve_report"},
    "cqzz_staff": {"report"},
    "jyzz_leader": {"approve_report"},
    "jyzz_staff": {"report"},
    "jnys_leader": {"sign"},
    "jnys_staff": {"report"},
}


@pytest.fixture
def demo(db):
    call_command("load_demo")


def _counts():
    return (
        Organization.objects.count(), Membership.objects.count(), get_user_model().objects.count(),
        GroupObjectPermission.objects.count(), ChecklistItem.objects.count(), RectificationOrder.objects.count(),
        Visit.objects.count(), Clue.objects.count(), Draw.objects.count(), Notification.objects.count(),
        Notification.objects.filter(read_at__isnull=True).count(), AuditEvent.objects.count(), Task.objects.count(),
    )


def _real_now():
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc)  # the story's moved clock is put back after the replay


def _client(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_load_demo_twice_gives_the_same_counts(demo):
    import viewflow.workflow.base
    from django.utils import timezone

    assert viewflow.workflow.base.now is timezone.now and abs(timezone.now() - _real_now()).total_seconds() < 60
    first = _counts()
    call_command("load_demo")
    assert _counts() == first
    # city, 12 districts and counties, 11 schools; the action plan's 21 departments and 12 district governments
    assert first[0] == 1 + 12 + 11 + 21 + 12
    assert first[4] == 31
    assert first[5] >= 15 and first[7] >= 8 and first[9] > 100  # the story was played


def test_demo_users_have_working_permissions(demo):
    User = get_user_model()
    school = Organization.objects.get(code="S-CQZZ")
    city_school = Organization.objects.get(code="S-JNYS")
    assert policy.can(User.objects.get(username="cq_inspector"), Perm.INSPECT, school)
    assert not policy.can(User.objects.get(username="jy_inspector"), Perm.INSPECT, school)
    assert policy.can(User.objects.get(username="jn_leader"), Perm.LEAD, city_school)
    assert set(policy.visible_orgs(User.objects.get(username="cqzz_staff"))) == {school}
    assert User.objects.get(username="cqzz_staff").check_password("dudao-demo-2026")
    assert not User.objects.get(username="jn_inspector2").has_usable_password()  # a colleague, not a login


def test_orders_exist_in_every_state(demo):
    orders = RectificationOrder.objects.all()
    assert {"issued", "rectifying", "report_review", "rechecking", "closure_review", "city_review",
            "closed"} <= set(orders.values_list("status", flat=True))
    assert orders.overdue().filter(status="rectifying", overdue_count=2, escalation_level=2).exists()
    assert orders.filter(status="rectifying", round__gte=2, rechecks__result="fail").exists()
    assert orders.filter(status="city_review", severity="major").exists()
    assert ExtensionRequest.objects.filter(decision="pending", order__status="rectifying").exists()
    assert ExtensionRequest.objects.filter(decision="approved").exists()
    deadlines = {o.deadline.working_days for o in orders}
    assert {5, 10, 20} <= deadlines  # major, serious and general findings' working days


def test_visits_clues_and_the_draw_in_every_step(demo):
    visits = set(Visit.objects.values_list("kind", "status"))
    assert {("surprise", "planned"), ("routine", "planned"), ("routine", "in_progress"), ("routine", "submitted"),
            ("routine", "approved"), ("random", "planned"), ("random", "in_progress")} <= visits
    assert Visit.objects.filter(status="approved", orders__isnull=False).exists()
    statuses = set(Clue.objects.values_list("status", flat=True))
    assert {"registered", "verifying", "replying", "replied", "closed"} <= statuses
    assert not Clue.objects.filter(complainant_name="").exists()  # every clue has a complainant to protect
    assert Draw.objects.filter(status="published", campaign__kind="random").exists()
    notes = Notification.objects.all()
    assert notes.filter(read_at__isnull=True).exists() and notes.filter(read_at__isnull=False).exists()


def test_every_persona_has_something_to_do_or_see(demo, client):
    for username, *_ in DEMO_USERS:
        c = _client(client, username)
        kinds = {t["kind"] for t in c.get("/api/v1/tasks/").json()["results"]}
        unread = c.get("/notifications/bell/").json()["unread"]
        orders = c.get("/api/v1/orders/").json()
        assert EXPECTED_TASKS.get(username, set()) <= kinds, username
        assert orders["results"], f"{username} sees no orders"
        if not username.endswith("_admin"):
            assert kinds or unread, f"{username} has nothing to do"


def test_district_people_have_their_visit_and_clue_steps(demo):
    from workflows.clue import ClueFlow
    from workflows.visit import VisitFlow

    User = get_user_model()
    for username, flow_class, node in [("jy_inspector", VisitFlow, "conduct"), ("jn_leader", VisitFlow, "review"),
                                       ("cq_leader", ClueFlow, "triage"), ("cq_inspector", ClueFlow, "verify_desk"),
                                       ("jy_leader", ClueFlow, "triage"), ("cq_leader", ClueFlow, "reply")]:
        queue = Task.objects.user_queue(User.objects.get(username=username), flow_class=flow_class)
        assert queue.filter(flow_task=getattr(flow_class, node), status="NEW").exists(), (username, node)


def test_dashboards_are_filled(demo, client):
    page = _client(client, "jn_leader").get("/reports/").content.decode()
    assert "按期销号率" in page
    assert RectificationOrder.objects.filter(status="closed").count() >= 3


def test_schools_never_see_the_planned_unannounced_visits_nor_a_complainant(demo, client):
    hidden = list(Visit.objects.filter(kind__in=("surprise", "random"), checkin_at__isnull=True))
    assert {v.school.code for v in hidden} >= {"S-CQZZ", "S-JYZZ"}
    for username in SCHOOL_PERSONAS:
        c = _client(client, username)
        listed = {v["id"] for v in c.get("/api/v1/visits/").json()["results"]}
        for visit in hidden:
            assert visit.pk not in listed, username
            assert c.get(f"/api/v1/visits/{visit.pk}/").status_code == 404, username
            assert c.get(f"/visits/{visit.pk}/").status_code == 404, username
        seen = "".join(c.get(url).content.decode() for url in (
            "/", "/notifications/", "/orders/", "/visits/", "/api/v1/orders/", "/api/v1/visits/", "/reports/"))
        for title, body in Notification.objects.filter(recipient__username=username).values_list("title", "body"):
            seen += title + body
        assert not [name for name in COMPLAINANTS if name in seen], username
        assert c.get(f"/clues/{Clue.objects.first().pk}/").status_code == 404, username
