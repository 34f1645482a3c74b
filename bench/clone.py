"""Cloning the captured exemplar rows into many orders, chunk by chunk, with COPY.

A chunk is planned in the parent (ids, schools, numbers, time shifts) and
written by a worker process with its own connection, so the two cores of the
machine both work: one builds rows while PostgreSQL ingests the other's.
"""
import datetime as dt
import json
from dataclasses import dataclass

from bench.copyio import as_json, copy_rows

TABLES = ("inspections_rectificationorder", "workflows_deadline", "viewflow_process",
          "workflows_rectificationprocess", "viewflow_task", "viewflow_task_previous",
          "inspections_rectificationreport", "inspections_recheck", "inspections_auditevent", "inspections_finding")


@dataclass
class Spec:
    """One order to clone; ids of the per-order rows are `base + index`, tasks etc. from chunk offsets."""
    order_id: int
    exemplar: str
    school: int          # organisation ids
    issuer: int
    city: int
    people: dict         # persona key → user id
    shift: dt.timedelta
    year: int
    serial: int
    number: str
    visit_id: int | None
    findings: int        # how many findings this order carries


@dataclass
class Bases:
    task: int
    previous: int
    report: int
    recheck: int
    audit: int
    finding: int


def counts(ex) -> dict:
    return {"task": len(ex.tasks), "previous": len(ex.previous), "report": len(ex.reports),
            "recheck": len(ex.rechecks), "audit": len(ex.audits)}


def _shift(value, delta):
    return value + delta if value is not None else None


class Cloner:
    """Turns exemplar rows into rows for one Spec; the column order is the exemplar's SELECT *."""

    def __init__(self, exemplars: dict, ct_ids: dict, finding_columns: list):
        self.ex = exemplars
        self.ct = ct_ids            # "order" | "report" | "recheck" → content type id
        self.finding_columns = finding_columns
        # A column the generator does not set gets the model's default (a new NOT NULL field, e.g. own_order).
        from inspections.models import Finding

        self.finding_defaults = {f.column: f.get_default() for f in Finding._meta.concrete_fields}
        self.out = {t: [] for t in TABLES}

    def add(self, spec: Spec, bases: Bases) -> None:
        ex = self.ex[spec.exemplar]
        tid = {t["id"]: bases.task + k for k, t in enumerate(ex.tasks)}
        rid = {r["id"]: bases.report + k for k, r in enumerate(ex.reports)}
        cid = {r["id"]: bases.recheck + k for k, r in enumerate(ex.rechecks)}
        finding_ids = list(range(bases.finding, bases.finding + spec.findings))
        deadline_id = process_id = spec.order_id
        self._order(ex, spec, deadline_id)
        self._deadline(ex, spec, deadline_id)
        self._process(ex, spec, process_id)
        self._tasks(ex, spec, process_id, tid)
        self.out["viewflow_task_previous"] += [
            (bases.previous + k, tid[p["from_task_id"]], tid[p["to_task_id"]]) for k, p in enumerate(ex.previous)]
        self._reports(ex, spec, rid)
        self._rechecks(ex, spec, cid)
        self._audits(ex, spec, bases.audit, {"order": {ex.order["id"]: spec.order_id}, "report": rid,
                                             "recheck": cid}, finding_ids)
        self._findings(ex, spec, finding_ids)

    def _order(self, ex, spec, deadline_id):
        o = dict(ex.order)
        o.update(id=spec.order_id, client_uuid=None, issuer_id=spec.issuer, year=spec.year, serial=spec.serial,
                 number=spec.number, school_id=spec.school, visit_id=spec.visit_id, deadline_id=deadline_id,
                 issued_by_id=spec.people["di"], signed_by_id=spec.people["sl"] if o["signed_by_id"] else None,
                 issued_at=_shift(o["issued_at"], spec.shift), signed_at=_shift(o["signed_at"], spec.shift),
                 closed_at=_shift(o["closed_at"], spec.shift))
        self.out["inspections_rectificationorder"].append(tuple(o.values()))

    def _deadline(self, ex, spec, deadline_id):
        d = dict(ex.deadline)
        d.update(id=deadline_id, start_date=d["start_date"] + spec.shift, due_at=d["due_at"] + spec.shift,
                 updated_at=_shift(d["updated_at"], spec.shift))
        self.out["workflows_deadline"].append(tuple(d.values()))

    def _process(self, ex, spec, process_id):
        p = dict(ex.process)
        p.update(id=process_id, created=p["created"] + spec.shift, finished=_shift(p["finished"], spec.shift),
                 data=as_json(p["data"]))
        self.out["viewflow_process"].append(tuple(p.values()))
        r = dict(ex.rprocess)
        r.update(process_ptr_id=process_id, order_id=spec.order_id)
        self.out["workflows_rectificationprocess"].append(tuple(r.values()))

    def _tasks(self, ex, spec, process_id, tid):
        orgs = {"school": spec.school, "issuer": spec.issuer, "city": spec.city}
        rows = self.out["viewflow_task"]
        for t in ex.tasks:
            t = dict(t)
            obj = t["owner_permission_obj_pk"]
            t.update(id=tid[t["id"]], process_id=process_id, data=as_json(t["data"]),
                     owner_id=person(spec, ex, t["owner_id"]),
                     owner_permission_obj_pk=str(orgs[ex.orgs[int(obj)]]) if obj else obj,
                     created=t["created"] + spec.shift, started=_shift(t["started"], spec.shift),
                     finished=_shift(t["finished"], spec.shift), assigned=_shift(t["assigned"], spec.shift),
                     scheduled=_shift(t["scheduled"], spec.shift))
            rows.append(tuple(t.values()))

    def _reports(self, ex, spec, rid):
        for r in ex.reports:
            r = dict(r)
            r.update(id=rid[r["id"]], client_uuid=None, order_id=spec.order_id,
                     submitted_by_id=person(spec, ex, r["submitted_by_id"]),
                     approved_by_id=person(spec, ex, r["approved_by_id"]),
                     submitted_at=r["submitted_at"] + spec.shift, approved_at=_shift(r["approved_at"], spec.shift))
            self.out["inspections_rectificationreport"].append(tuple(r.values()))

    def _rechecks(self, ex, spec, cid):
        for r in ex.rechecks:
            r = dict(r)
            r.update(id=cid[r["id"]], order_id=spec.order_id, checked_by_id=person(spec, ex, r["checked_by_id"]),
                     checked_at=r["checked_at"] + spec.shift)
            self.out["inspections_recheck"].append(tuple(r.values()))

    def _audits(self, ex, spec, base, id_maps, finding_ids):
        by_ct = {self.ct[kind]: mapping for kind, mapping in id_maps.items()}
        for k, a in enumerate(ex.audits):
            a = dict(a)
            mapping = by_ct.get(a["object_type_id"], {})
            a.update(id=base + k, actor_id=person(spec, ex, a["actor_id"]), organization_id=spec.school,
                     order_id=spec.order_id, created_at=a["created_at"] + spec.shift, ip=None,
                     object_id=str(mapping.get(int(a["object_id"]), a["object_id"])) if a["object_id"] else "",
                     before=as_json(a["before"]), after=as_json(_after(a, ex, spec, finding_ids)))
            self.out["inspections_auditevent"].append(tuple(a.values()))

    def _findings(self, ex, spec, finding_ids):
        severity = ex.order["severity"]
        for k, fid in enumerate(finding_ids):
            row = {"id": fid, "school_id": spec.school, "visit_id": spec.visit_id, "item_id": None,
                   "description": f"基准问题 {fid}", "severity": severity if k == 0 else "general",
                   "hazard": False, "needs_rectification": True, "found_at": ex.order["issued_at"] + spec.shift,
                   "found_by_id": spec.people["di"], "order_id": spec.order_id, "client_uuid": None}
            self.out["inspections_finding"].append(tuple(row[c] if c in row else self.finding_defaults.get(c)
                                                         for c in self.finding_columns))

    def flush(self, cur, columns: dict) -> None:
        for table in TABLES:
            if self.out[table]:
                copy_rows(cur, table, columns[table], self.out[table])
                self.out[table] = []


def person(spec, ex, uid):
    return None if uid is None else spec.people[ex.users[uid]]


def _after(audit_row, ex, spec, finding_ids):
    """The issued event carries the number, deadline and findings; the rest copy as they are."""
    after = audit_row["after"]
    if isinstance(after, str):
        after = json.loads(after)
    if audit_row["action"] == "order.issued" and isinstance(after, dict):
        after = dict(after, number=spec.number, findings=finding_ids,
                     deadline=(ex.deadline["due_at"] + spec.shift).isoformat())
    return after
