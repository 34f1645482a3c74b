"""Real orders driven through the real RectificationFlow, one per target state, and their rows.

The bulk generator never invents the shape of a process: it drives one order
to each state through inspections.orders.services (the same services the UI and API
call), reads back every row that journey wrote (process, tasks with their
owner permissions and `previous` links, timers, deadline, reports, re-checks,
audit events), and clones those rows with new ids, people, organisations and
a shift in time. A cloned order in state X therefore looks exactly like one
that reached X through the flow, and the flow can continue from it.
"""
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection

# state name → (steps, severity). Steps are names in STEPS below.
SCENARIOS = {
    "issued": ([], "general"),
    "rectifying": (["sign"], "general"),
    "report_review": (["sign", "submit"], "general"),
    "rechecking": (["sign", "submit", "approve"], "general"),
    "rectifying_round2": (["sign", "submit", "approve", "fail"], "serious"),
    "closure_review": (["sign", "submit", "approve", "pass"], "general"),
    "city_review": (["sign", "submit", "approve", "pass", "close"], "major"),
    "city_supervise": (["sign"] + ["submit", "approve", "fail"] * 3, "serious"),
    "closed": (["sign", "submit", "approve", "pass", "close"], "general"),
    "closed_major": (["sign", "submit", "approve", "pass", "close", "close"], "major"),
}

# Share of the generated orders per scenario (sums to 1).
MIX = {
    "issued": 0.07, "rectifying": 0.10, "report_review": 0.05, "rechecking": 0.07, "rectifying_round2": 0.05,
    "closure_review": 0.05, "city_review": 0.02, "city_supervise": 0.01, "closed": 0.48, "closed_major": 0.10,
}
OPEN = {name for name in SCENARIOS if not name.startswith("closed")}

# Who does each step: a persona key (see Persona) and the service call.
PERSONA_ROLES = {"sl": "school_leader", "ss": "school_staff", "di": "inspector", "dl": "leader", "cl": "leader"}


def _step(name, order, people):
    from inspections.orders import services as svc

    if name == "sign":
        svc.order_sign(order=order, user=people["sl"])
    elif name == "submit":
        svc.report_submit(order=order, user=people["ss"], measures=f"第{order.round}轮：已整改，附照片")
    elif name == "approve":
        svc.report_approve(order=order, user=people["sl"])
    elif name == "pass":
        svc.recheck_record(order=order, user=people["di"], method="document", result="pass")
    elif name == "fail":
        svc.recheck_record(order=order, user=people["di"], method="on_site", result="fail", notes="仍未整改到位")
    elif name == "close":
        stage_user = people["cl"] if order.status == "city_review" else people["dl"]
        svc.closure_approve(order=order, user=stage_user)


def people_for(tree, school) -> dict:
    User = get_user_model()
    ids = {"sl": tree.person(school, "school_leader"), "ss": tree.person(school, "school_staff"),
           "di": tree.person(school.issuer, "inspector"), "dl": tree.person(school.issuer, "leader"),
           "cl": tree.person(school.city, "leader")}
    users = User.objects.in_bulk(ids.values())
    return {key: users[uid] for key, uid in ids.items()}


def drive(name: str, tree, school):
    """Issue a real order at `school` and walk it to the scenario's state; returns the order."""
    from inspections.orders.services import finding_create, order_issue

    steps, severity = SCENARIOS[name]
    people = people_for(tree, school)
    finding = finding_create(school=school_model(school), description=f"基准样例问题（{name}）",
                             severity=severity, found_by=people["di"])
    order = order_issue(school=finding.school, findings=[finding], issued_by=people["di"], requirements="按期整改")
    for step in steps:
        _step(step, order, people)
    order.refresh_from_db()
    return order, people


def school_model(school):
    from organizations.models import Organization

    return Organization.objects.get(pk=school.id)


@dataclass
class Exemplar:
    name: str
    order: dict
    deadline: dict
    process: dict
    rprocess: dict
    tasks: list
    previous: list
    reports: list
    rechecks: list
    audits: list
    users: dict = field(default_factory=dict)   # exemplar user id → persona key
    orgs: dict = field(default_factory=dict)    # exemplar org id → "school" | "issuer" | "city"


def _rows(sql, params) -> list:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        cols = [c.name for c in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]


def capture(name, order, people, school) -> Exemplar:
    pid = order.process.pk
    tasks = _rows("SELECT * FROM viewflow_task WHERE process_id = %s ORDER BY id", [pid])
    ex = Exemplar(
        name=name,
        order=_rows("SELECT * FROM inspections_rectificationorder WHERE id = %s", [order.pk])[0],
        deadline=_rows("SELECT * FROM workflows_deadline WHERE id = %s", [order.deadline_id])[0],
        process=_rows("SELECT * FROM viewflow_process WHERE id = %s", [pid])[0],
        rprocess=_rows("SELECT * FROM workflows_rectificationprocess WHERE process_ptr_id = %s", [pid])[0],
        tasks=tasks,
        previous=_rows("SELECT * FROM viewflow_task_previous WHERE from_task_id = ANY(%s) ORDER BY id",
                       [[t["id"] for t in tasks]]),
        reports=_rows("SELECT * FROM inspections_rectificationreport WHERE order_id = %s ORDER BY id", [order.pk]),
        rechecks=_rows("SELECT * FROM inspections_recheck WHERE order_id = %s ORDER BY id", [order.pk]),
        audits=_rows("SELECT * FROM inspections_auditevent WHERE order_id = %s ORDER BY id", [order.pk]),
    )
    ex.users = {user.pk: key for key, user in people.items()}
    if people["dl"].pk == people["cl"].pk:
        ex.users[people["dl"].pk] = "dl"
    ex.orgs = {school.id: "school", school.issuer.id: "issuer", school.city.id: "city"}
    return ex


def snapshot(ex: Exemplar) -> list:
    """The shape of the process, independent of ids and times (what the smoke test compares)."""
    index = {t["id"]: k for k, t in enumerate(ex.tasks)}
    prev = {}
    for link in ex.previous:
        prev.setdefault(index[link["from_task_id"]], []).append(index[link["to_task_id"]])
    return [(t["flow_task"].rsplit(".", 1)[-1], t["status"], t["owner_permission"],
             ex.orgs.get(int(t["owner_permission_obj_pk"])) if t["owner_permission_obj_pk"] else None,
             ex.users.get(t["owner_id"]), t["scheduled"] is not None, sorted(prev.get(k, [])))
            for k, t in enumerate(ex.tasks)]


def snapshot_of(order_id: int, people: dict, orgs: dict) -> list:
    """snapshot() of any order, given its persona user ids (key → id) and organisations (id → role)."""
    from inspections.models import RectificationOrder

    order = RectificationOrder.objects.select_related("process").get(pk=order_id)
    pid = order.process.pk
    tasks = _rows("SELECT * FROM viewflow_task WHERE process_id = %s ORDER BY id", [pid])
    ex = Exemplar(name="", order={}, deadline={}, process={}, rprocess={}, tasks=tasks,
                  previous=_rows("SELECT * FROM viewflow_task_previous WHERE from_task_id = ANY(%s)",
                                 [[t["id"] for t in tasks]]),
                  reports=[], rechecks=[], audits=[],
                  users={uid: key for key, uid in people.items()}, orgs=orgs)
    return snapshot(ex)
