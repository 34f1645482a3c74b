"""The bench generator at a tiny scale: its orders look like orders that went through the flow.

PostgreSQL only (the generator loads with COPY). Not timed: speed is measured in bench/run.
"""
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from bench import exemplars as bx
from bench.generate import generate
from inspections.orders import services as svc
from inspections.models import Finding, RectificationOrder
from workflows.models import RectificationProcess
from workflows.rectification import RectificationFlow

pytestmark = pytest.mark.postgres
SCALE = 0.0005
HUMAN_NODES = ("sign", "report", "approve_report", "recheck", "approve_closure", "city_approve", "city_supervise")


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("the bench generator needs PostgreSQL (COPY)")
    with django_db_blocker.unblock():
        empty = _empty_tables()
        yield generate(scale=SCALE, workers=1, migrate=False)
        with connection.cursor() as cur:   # leave the test database as the other modules expect it
            cur.execute(f"TRUNCATE {', '.join(empty)} RESTART IDENTITY")


def _empty_tables() -> list:
    with connection.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [row[0] for row in cur.fetchall()]
        empty = []
        for table in tables:
            cur.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})")
            if cur.fetchone()[0]:
                empty.append(table)
    return empty


def _orgs(spec):
    return {spec.school: "school", spec.issuer: "issuer", spec.city: "city"}


def _as_ids(shape, spec):
    """Persona and organisation labels back to the spec's ids (a city school's issuer is its city)."""
    orgs = {label: pk for pk, label in _orgs(spec).items()} | {"issuer": spec.issuer, "city": spec.city}
    return [(node, status, perm, orgs.get(org), spec.people.get(who), timer, prev)
            for node, status, perm, org, who, timer, prev in shape]


def _user(spec, key):
    return get_user_model().objects.get(pk=spec.people[key])


def _order(spec):
    return RectificationOrder.objects.get(pk=spec.order_id)


def _open_task_names(order):
    return set(Task.objects.filter(process_id=order.process.pk, status__in=[STATUS.NEW, STATUS.ASSIGNED])
               .values_list("flow_task", flat=True))


@pytest.mark.django_db
def test_generated_orders_have_the_tasks_of_an_order_driven_through_the_flow(dataset):
    _, exemplars, samples = dataset
    assert set(samples) == set(bx.SCENARIOS)
    for name, spec in samples.items():
        expected = _as_ids(bx.snapshot(exemplars[name]), spec)
        assert _as_ids(bx.snapshot_of(spec.order_id, spec.people, _orgs(spec)), spec) == expected, name
        assert _order(spec).status == exemplars[name].order["status"], name


@pytest.mark.django_db
def test_every_generated_order_has_a_process_and_one_open_human_task_until_closed(dataset):
    counts, _, _ = dataset
    assert RectificationOrder.objects.count() == counts["orders"]
    assert RectificationProcess.objects.filter(order__isnull=False).count() == counts["orders"]
    assert Finding.objects.count() == counts["findings"]
    nodes = [getattr(RectificationFlow, n) for n in HUMAN_NODES]
    for order in RectificationOrder.objects.select_related("process"):
        open_human = Task.objects.filter(process_id=order.process.pk, flow_task__in=nodes,
                                         status__in=[STATUS.NEW, STATUS.ASSIGNED]).count()
        assert open_human == (0 if order.status == "closed" else 1), order.number
        assert order.findings.exists()


@pytest.mark.django_db
def test_viewflow_queue_offers_a_generated_sign_task_to_the_school_leader_only(dataset):
    spec = dataset[2]["issued"]
    order = _order(spec)
    in_queue = Task.objects.user_queue(_user(spec, "sl"), flow_class=RectificationFlow).filter(
        process_id=order.process.pk, status=STATUS.NEW)
    assert [t.flow_task.name for t in in_queue] == ["sign"]
    assert not Task.objects.user_queue(_user(spec, "ss"), flow_class=RectificationFlow).filter(
        process_id=order.process.pk, status=STATUS.NEW).exists()


@pytest.mark.django_db
def test_flow_continues_from_generated_orders_through_the_real_services(dataset):
    samples = dataset[2]
    issued = _order(samples["issued"])
    svc.order_sign(order=issued, user=_user(samples["issued"], "sl"))
    assert issued.status == "rectifying" and _open_task_names(issued) == {RectificationFlow.report}

    rechecking = _order(samples["rechecking"])
    svc.recheck_record(order=rechecking, user=_user(samples["rechecking"], "di"), method="document",
                       result="pass")
    assert rechecking.status == "closure_review"

    city = _order(samples["city_review"])
    svc.closure_approve(order=city, user=_user(samples["city_review"], "cl"))
    assert city.status == "closed"
    assert RectificationProcess.objects.get(pk=city.process.pk).finished is not None


@pytest.mark.django_db
def test_generated_supervised_order_goes_back_to_the_school_after_the_city_instruction(dataset):
    spec = dataset[2]["city_supervise"]
    order = _order(spec)
    svc.city_supervise(order=order, user=_user(spec, "cl"), note="限期整改到位")
    assert _open_task_names(order) == {RectificationFlow.report}


@pytest.mark.django_db
def test_school_staff_cannot_sign_a_generated_order(dataset):
    spec = dataset[2]["issued"]
    with pytest.raises(PermissionDenied):
        svc.order_sign(order=_order(spec), user=_user(spec, "ss"))


@pytest.mark.django_db
def test_the_rollup_counts_every_generated_order_and_follows_the_flow_from_them(dataset):
    from rollups import recount

    assert recount.differences() == {}  # the generator rebuilt it after its COPY; the services kept it since
