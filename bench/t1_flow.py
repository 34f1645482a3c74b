"""T1: full rectification cycles through the service layer by N worker processes, and the plain-SQL floor.

A cycle: finding → issue → sign → report → school leader approves → re-check passes →
district approves → closed (7 service calls, 5 human tasks). The floor writes the
same rows (cloned from the real "closed" exemplar order) with plain INSERT/UPDATE
statements, one transaction per step like the services, on the same data in the same run.
"""
import multiprocessing
import time
from types import SimpleNamespace

from bench.common import Row, unpooled_for_fork

SQL_ID_BASE = 1_000_000_000   # far above the sequences: the floor's rows never meet the app's ids
SQL_WORKER_SPAN = 20_000_000
SQL_TABLES = ("viewflow_task", "inspections_auditevent", "inspections_rectificationorder", "inspections_finding")


def _cast_of_school(school):
    from organizations import policy
    from inspections.orders.services import issuing_organization

    issuer = issuing_organization(school)
    first = {"sl": policy.users_with_role_at("school_leader", school).first(),
             "ss": policy.users_with_role_at("school_staff", school).first(),
             "di": policy.users_with_role_at("inspector", issuer).first(),
             "dl": policy.users_with_role_at("leader", issuer).first()}
    return first if all(first.values()) else None


def _schools_for(worker: int, workers: int, count: int = 20):
    """Schools of different districts per worker, so workers do not queue on one number counter."""
    from organizations.models import Organization

    schools = list(Organization.objects.filter(kind="school", parent__kind="district")
                   .order_by("parent_id", "id").distinct("parent_id")[:max(workers, 1) * count])
    return [s for k, s in enumerate(schools) if k % workers == worker] or schools[:1]


def service_cycle(school, cast) -> int:
    from inspections.orders import services as svc

    finding = svc.finding_create(school=school, description="基准T1问题", severity="general", found_by=cast["di"])
    order = svc.order_issue(school=school, findings=[finding], issued_by=cast["di"], requirements="T1")
    svc.order_sign(order=order, user=cast["sl"])
    svc.report_submit(order=order, user=cast["ss"], measures="已整改")
    svc.report_approve(order=order, user=cast["sl"])
    svc.recheck_record(order=order, user=cast["di"], method="document", result="pass")
    svc.closure_approve(order=order, user=cast["dl"])
    assert order.status == "closed", order.status
    return order.pk


def _service_worker(job):
    worker, workers, seconds, _ = job
    from django.db import connection

    connection.close()
    schools = [(s, _cast_of_school(s)) for s in _schools_for(worker, workers)]
    schools = [(s, c) for s, c in schools if c]
    lat, orders, k = [], [], 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        school, cast = schools[k % len(schools)]
        start = time.perf_counter()
        orders.append(service_cycle(school, cast))
        lat.append((time.perf_counter() - start) * 1000)
        k += 1
    return lat, orders


def _pool_run(fn, workers, seconds, base=0):
    with unpooled_for_fork():
        start = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(fn, [(w, workers, seconds, base) for w in range(workers)])
        return results, time.perf_counter() - start


def run(*, workers: int, seconds: float, runs: int) -> list:
    from django.db import connection

    cycle_rates, task_rates, lat_all = [], [], []
    sql_rates, sql_lat = [], []
    for _ in range(runs):
        results, wall = _pool_run(_service_worker, workers, seconds)
        orders = [pk for _, pks in results for pk in pks]
        lat_all += [x for lats, _ in results for x in lats]
        with connection.cursor() as cur:
            cur.execute("""SELECT COUNT(*) FROM viewflow_task t JOIN workflows_rectificationprocess p
                           ON p.process_ptr_id = t.process_id WHERE p.order_id = ANY(%s) AND t.status = 'DONE'""",
                        [orders])
            done = cur.fetchone()[0]
        cycle_rates.append(len(orders) / wall)
        task_rates.append(done / wall)
        results, wall = _pool_run(_sql_worker, workers, seconds, _next_sql_base())
        sql_rates.append(sum(len(lats) for lats in results) / wall)
        sql_lat += [x for lats in results for x in lats]
    ratio = (sorted(sql_rates)[len(sql_rates) // 2] / sorted(cycle_rates)[len(cycle_rates) // 2])
    return [
        Row("T1", f"service cycles/s ({workers} procs)", cycle_rates, "1/s", f"target ≥ 50; {runs}×{seconds:g}s"),
        Row("T1", "service task completions/s", task_rates, "1/s", "viewflow tasks DONE (all nodes)"),
        Row("T1", "service cycle latency", lat_all, "ms"),
        Row("T1", f"plain-SQL cycles/s ({workers} procs)", sql_rates, "1/s", "same rows, INSERT/UPDATE"),
        Row("T1", "plain-SQL cycle latency", sql_lat, "ms"),
        Row("T1", "ratio SQL floor / service", [ratio], "×", "how far the service layer is from the floor"),
    ]


# --- the plain-SQL floor -------------------------------------------------------------

def closed_exemplar():
    """The generator's real 'closed' order, captured again from the database."""
    from inspections.models import Finding

    from bench import exemplars as bx

    finding = Finding.objects.select_related("order__school__parent").filter(
        description="基准样例问题（closed）").first()
    if finding is None:
        return None
    order = finding.order
    school = SimpleNamespace(id=order.school_id, issuer=SimpleNamespace(id=order.issuer_id),
                             city=SimpleNamespace(id=order.school.nearest("city").pk))
    people = {"sl": order.signed_by, "di": order.issued_by}
    report = order.reports.first()
    people["ss"] = report.submitted_by
    closure = order.audit_events.filter(action="closure.approved").first()
    people["dl"] = closure.actor
    people["cl"] = closure.actor
    ex = bx.capture("closed", order, people, school)
    ex.users = {u.pk: k for k, u in people.items() if k != "cl"}
    return ex


def _steps(ex):
    """Rows of the exemplar grouped by the audited step that wrote them (issue, sign, …, close)."""
    marks = [a["created_at"] for a in ex.audits]
    def step_of(ts):
        return next((k for k, m in enumerate(marks) if ts <= m), len(marks) - 1)
    return step_of, len(marks)


def _sql_worker(job):
    worker, workers, seconds, first_id = job
    import psycopg
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from bench.generate import libpq_dsn
    from inspections.models import Finding, Recheck, RectificationOrder, RectificationReport

    connection.close()
    ex = closed_exemplar()
    ct = {"order": ContentType.objects.get_for_model(RectificationOrder).id,
          "report": ContentType.objects.get_for_model(RectificationReport).id,
          "recheck": ContentType.objects.get_for_model(Recheck).id}
    cols = {"inspections_rectificationorder": list(ex.order), "workflows_deadline": list(ex.deadline),
            "viewflow_process": list(ex.process), "workflows_rectificationprocess": list(ex.rprocess),
            "viewflow_task": list(ex.tasks[0]), "viewflow_task_previous": list(ex.previous[0]),
            "inspections_rectificationreport": list(ex.reports[0]), "inspections_recheck": list(ex.rechecks[0]),
            "inspections_auditevent": list(ex.audits[0])}
    fcols = [f.column for f in Finding._meta.concrete_fields]
    cols["inspections_finding"] = fcols
    people = {key: uid for uid, key in ex.users.items()}
    people.setdefault("cl", people["dl"])
    step_of, n_steps = _steps(ex)
    base = first_id + worker * SQL_WORKER_SPAN
    lat = []
    with psycopg.connect(libpq_dsn()) as conn:
        end = time.perf_counter() + seconds
        k = 0
        while time.perf_counter() < end:
            start = time.perf_counter()
            _sql_cycle(conn, ex, ct, fcols, cols, people, base + k * 100, k, worker, step_of, n_steps)
            lat.append((time.perf_counter() - start) * 1000)
            k += 1
    return lat


def _sql_cycle(conn, ex, ct, fcols, cols, people, ids, k, worker, step_of, n_steps):
    import datetime as dt

    from bench import clone

    spec = clone.Spec(order_id=ids, exemplar="closed", school=ex.order["school_id"], issuer=ex.order["issuer_id"],
                      city=next(o for o, r in ex.orgs.items() if r == "city"), people=people,
                      shift=dt.timedelta(0), year=ex.order["year"], serial=0,
                      number=f"T1SQL-{worker}-{k}-{time.time_ns()}", visit_id=None, findings=1)
    cloner = clone.Cloner({"closed": ex}, ct, fcols)
    cloner.add(spec, clone.Bases(task=ids, previous=ids, report=ids, recheck=ids, audit=ids, finding=ids))
    stamps = {"viewflow_task": cols["viewflow_task"].index("created"),
              "inspections_auditevent": cols["inspections_auditevent"].index("created_at"),
              "inspections_rectificationreport": cols["inspections_rectificationreport"].index("submitted_at"),
              "inspections_recheck": cols["inspections_recheck"].index("checked_at")}
    for step in range(n_steps):
        with conn.transaction(), conn.cursor() as cur:
            if step == 0:
                cur.execute("UPDATE inspections_ordernumbercounter SET last = last + 1 "
                            "WHERE organization_id = %s AND year = %s RETURNING last",
                            [spec.issuer, spec.year])
                serial = cur.fetchone()[0]
                order = list(cloner.out["inspections_rectificationorder"][0])
                order[cols["inspections_rectificationorder"].index("serial")] = serial
                cloner.out["inspections_rectificationorder"][0] = tuple(order)
                for table in ("workflows_deadline", "inspections_finding", "inspections_rectificationorder",
                              "viewflow_process", "workflows_rectificationprocess"):
                    _insert(cur, table, cols[table], cloner.out[table])
            for table, at in stamps.items():
                rows = [r for r in cloner.out[table] if step_of(r[at]) == step]
                _insert(cur, table, cols[table], rows)
            task_step = {r[0]: step_of(r[stamps["viewflow_task"]]) for r in cloner.out["viewflow_task"]}
            _insert(cur, "viewflow_task_previous", cols["viewflow_task_previous"],
                    [r for r in cloner.out["viewflow_task_previous"] if task_step[r[1]] == step])
            # the flow also rewrites the order's status and the finished task's row at every step
            cur.execute("UPDATE inspections_rectificationorder SET status = status WHERE id = %s", [spec.order_id])
            cur.execute("UPDATE viewflow_task SET status = status WHERE process_id = %s AND id = %s",
                        [spec.order_id, ids + step])


def _insert(cur, table, columns, rows):
    if rows:
        marks = ", ".join(["%s"] * len(columns))
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _next_sql_base() -> int:
    """The floor's rows stay (audit events are append-only, enforced by the database); start above them."""
    from django.db import connection

    with connection.cursor() as cur:
        top = SQL_ID_BASE
        for table in SQL_TABLES:
            cur.execute(f"SELECT MAX(id) FROM {table} WHERE id >= %s", [SQL_ID_BASE])
            top = max(top, (cur.fetchone()[0] or 0) + 1000)
    return top
