"""Generate a province-scale data set on PostgreSQL.

    python -m bench.generate --scale 0.01 --database-url postgres://postgres@127.0.0.1:5432/dudao_bench

At scale 1: 1 province, 16 cities, 140 districts, 10,000 schools, 3,000 inspectors,
200,000 visits, 1,000,000 findings, 500,000 orders spread over every state of the
rectification flow. The database is emptied and migrated first (--keep to skip).
See bench/README.md.
"""
import argparse
import datetime as dt
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FULL_VISITS, FULL_ORDERS = 200_000, 500_000
CHUNK = 5_000
ORDER_ON_VISIT_SHARE = 0.4
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

_WORK = {}   # set in the parent before the pool forks: exemplars, column lists, content types, dsn


def log(t0, what):
    print(f"[{time.monotonic() - t0:7.1f}s] {what}", flush=True)


def setup_django(database_url: str):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DUDAO_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def reset_database(database_url: str) -> None:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def libpq_dsn() -> str:
    from django.db import connection

    s = connection.settings_dict
    return (f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} dbname={s['NAME']} "
            f"user={s['USER']} password={s['PASSWORD'] or ''}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/dudao_bench"))
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="do not empty the database first")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("the generator needs PostgreSQL (--database-url postgres://...)")
    t0 = time.monotonic()
    if not args.keep:
        reset_database(args.database_url)
    setup_django(args.database_url)
    summary, _, _ = generate(scale=args.scale, seed=args.seed, workers=args.workers, t0=t0, migrate=not args.keep)
    log(t0, "done: " + ", ".join(f"{k}={v:,}" for k, v in summary.items()))
    return 0


def generate(*, scale: float, seed: int = 8, workers: int = 2, t0=None, migrate=True) -> tuple:
    """Load the data set into the current database; returns (counts, exemplars, one Spec per scenario)."""
    from django.core.management import call_command
    from django.db import connection

    t0 = t0 or time.monotonic()
    rng = random.Random(seed)
    if migrate:
        call_command("migrate", verbosity=0)
        log(t0, "migrated")
    tree, counts = _tree(scale, rng, t0)
    exemplars = _exemplars(tree, t0)
    n_orders = max(len(exemplars), round(FULL_ORDERS * scale))
    n_visits = max(len(tree.schools), round(FULL_VISITS * scale))
    with connection.cursor() as c:
        cur = c.cursor
        specs, visit_dates = _plan_orders(cur, tree, exemplars, n_orders, n_visits, rng)
    log(t0, f"planned {len(specs):,} orders")
    findings = _bulk(tree, exemplars, specs, visit_dates, n_visits, rng, workers, t0)
    samples = {}
    for spec in specs:
        samples.setdefault(spec.exemplar, spec)
    summary = {**counts, "visits": n_visits, "findings": findings, "orders": len(specs) + len(exemplars)}
    return summary, exemplars, samples


def _tree(scale, rng, t0):
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from bench import tree as bt

    counts = bt.sizes(scale)
    with transaction.atomic(), connection.cursor() as c:
        tree = bt.build_tree(c.cursor, counts, rng)
        bt.copy_orgs(c.cursor, tree)
        plan = bt.people_plan(tree, counts["inspectors"])
        bt.copy_people(c.cursor, tree, plan, make_password(bt.PASSWORD), timezone.now())
        from bench.copyio import reset_sequences

        reset_sequences(c.cursor, ["organizations_organization", "auth_user", "auth_group",
                                   "organizations_membership", "organizations_rolegroup", "auth_user_groups",
                                   "guardian_groupobjectpermission"])
    log(t0, f"tree: {counts} and {len(plan):,} people with their grants")
    return tree, counts


def _exemplars(tree, t0) -> dict:
    from inspections.checklists.services import checklist_load_standard

    from bench import exemplars as bx

    checklist_load_standard()
    school = next(s for s in tree.schools if s.issuer.kind == "district")
    out = {}
    for name in bx.SCENARIOS:
        order, people = bx.drive(name, tree, school)
        out[name] = bx.capture(name, order, people, school)
    log(t0, f"drove {len(out)} exemplar orders through RectificationFlow at {school.code}")
    return out


def _plan_orders(cur, tree, exemplars, n_orders, n_visits, rng):
    """Who, where, when and which number for each order; visits are reserved for 40% of them."""
    from bench import clone
    from bench.copyio import next_id
    from bench.exemplars import MIX, OPEN

    names = list(MIX)
    weights = [MIX[n] for n in names]
    cur.execute("SELECT organization_id, year, last FROM inspections_ordernumbercounter")
    serials = {(org, year): last for org, year, last in cur.fetchall()}
    prefixes = {o.id: ("市教督改" if o.kind == "city" else "区教督改") + o.code for o in tree.cities + tree.districts}
    visit_base = next_id(cur, "inspections_visit")
    free_visits = {}
    for v in range(n_visits):
        free_visits.setdefault(v % len(tree.schools), []).append(visit_base + v)
    order_base = max(next_id(cur, t) for t in ("inspections_rectificationorder", "viewflow_process",
                                               "workflows_deadline"))
    specs, visit_dates = [], {}
    for i in range(n_orders):
        name = names[i] if i < len(names) else rng.choices(names, weights)[0]   # every state at least once
        s_idx = rng.randrange(len(tree.schools))
        school = tree.schools[s_idx]
        weeks = rng.randint(0, 3) if name in OPEN else rng.randint(4, 104)
        shift = dt.timedelta(weeks=-weeks)
        issued = (exemplars[name].order["issued_at"] + shift).astimezone(SHANGHAI)
        key = (school.issuer.id, issued.year)
        serials[key] = serials.get(key, 0) + 1
        visit_id = None
        if free_visits.get(s_idx) and rng.random() < ORDER_ON_VISIT_SHARE:
            visit_id = free_visits[s_idx].pop()
            visit_dates[visit_id] = issued.date()
        people = {"sl": tree.person(school, "school_leader"), "ss": tree.person(school, "school_staff"),
                  "di": tree.person(school.issuer, "inspector", i), "dl": tree.person(school.issuer, "leader"),
                  "cl": tree.person(school.city, "leader")}
        specs.append(clone.Spec(order_id=order_base + i, exemplar=name, school=school.id, issuer=school.issuer.id,
                                city=school.city.id, people=people, shift=shift, year=issued.year,
                                serial=serials[key], number=f"{prefixes[school.issuer.id]}〔{issued.year}〕{serials[key]}号",
                                visit_id=visit_id, findings=1 + i % 3))
    return specs, visit_dates


def _bulk(tree, exemplars, specs, visit_dates, n_visits, rng, workers, t0) -> int:
    from django.db import connection

    from bench import clone
    from bench.copyio import detach, next_id, reset_sequences

    big = list(clone.TABLES) + ["inspections_visit", "inspections_visitteammember"]
    with connection.cursor() as c:
        cur = c.cursor
        restore = detach(cur, big)
        _copy_visits(cur, tree, n_visits, visit_dates, rng)
        bases = {k: next_id(cur, t) for k, t in (("task", "viewflow_task"), ("previous", "viewflow_task_previous"),
                                                  ("report", "inspections_rectificationreport"),
                                                  ("recheck", "inspections_recheck"),
                                                  ("audit", "inspections_auditevent"),
                                                  ("finding", "inspections_finding"))}
    log(t0, f"detached {len(restore)} indexes/constraints; {n_visits:,} visits copied")
    chunks = _chunks(specs, exemplars, bases)
    _run_chunks(chunks, exemplars, workers)
    findings = sum(s.findings for s in specs)
    log(t0, f"copied {len(specs):,} cloned orders with {findings:,} findings")
    with connection.cursor() as c:
        cur = c.cursor
        cur.execute("SET maintenance_work_mem = '512MB'")
        for ddl in restore:
            cur.execute(ddl)
        log(t0, f"restored {len(restore)} indexes/constraints")
        cur.execute("""
            INSERT INTO inspections_ordernumbercounter (organization_id, year, last)
            SELECT issuer_id, year, MAX(serial) FROM inspections_rectificationorder GROUP BY issuer_id, year
            ON CONFLICT (organization_id, year) DO UPDATE SET last = EXCLUDED.last""")
        reset_sequences(cur, big + ["inspections_ordernumbercounter"])
        # The orders came by COPY, past rollups.signals: count them into the dashboards' rollup once.
        from rollups import recount

        recount.rebuild()
        # VACUUM, not only ANALYZE: it sets the visibility map that index-only scans need. A production
        # database gets that from autovacuum; a bench server may run with autovacuum off (this one does).
        cur.execute("VACUUM (ANALYZE)")
    log(t0, "counters, sequences, VACUUM (ANALYZE)")
    return findings + len(exemplars)


def _chunks(specs, exemplars, bases) -> list:
    from bench import clone

    chunks, at = [], dict(bases)
    for start in range(0, len(specs), CHUNK):
        part = specs[start:start + CHUNK]
        chunk_bases = []
        for spec in part:
            chunk_bases.append(clone.Bases(**at))
            for key, n in clone.counts(exemplars[spec.exemplar]).items():
                at[key] += n
            at["finding"] += spec.findings
        chunks.append((part, chunk_bases))
    return chunks


def _run_chunks(chunks, exemplars, workers) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from inspections.models import Finding, Recheck, RectificationOrder, RectificationReport

    sample = exemplars["city_supervise"]
    closed = exemplars["closed_major"]
    _WORK.update(
        exemplars=exemplars, dsn=libpq_dsn(),
        ct={"order": ContentType.objects.get_for_model(RectificationOrder).id,
            "report": ContentType.objects.get_for_model(RectificationReport).id,
            "recheck": ContentType.objects.get_for_model(Recheck).id},
        finding_columns=[f.column for f in Finding._meta.concrete_fields],
        columns={"inspections_rectificationorder": list(sample.order), "workflows_deadline": list(sample.deadline),
                 "viewflow_process": list(sample.process), "workflows_rectificationprocess": list(sample.rprocess),
                 "viewflow_task": list(sample.tasks[0]), "viewflow_task_previous": list(sample.previous[0]),
                 "inspections_rectificationreport": list(sample.reports[0]),
                 "inspections_recheck": list(sample.rechecks[0]), "inspections_auditevent": list(closed.audits[0]),
                 "inspections_finding": [f.column for f in Finding._meta.concrete_fields]},
    )
    if workers <= 1:   # in-process, on Django's connection (and inside its transaction, for the tests)
        for chunk in chunks:
            _write_chunk(chunk, connection)
        return
    from bench.common import unpooled_for_fork

    with unpooled_for_fork(), multiprocessing.get_context("fork").Pool(workers) as pool:  # no shared sockets
        for _ in pool.imap_unordered(_write_chunk, chunks):
            pass


def _write_chunk(chunk, django_connection=None) -> int:
    import psycopg

    from bench.clone import Cloner

    specs, bases = chunk
    cloner = Cloner(_WORK["exemplars"], _WORK["ct"], _WORK["finding_columns"])
    for spec, base in zip(specs, bases):
        cloner.add(spec, base)
    if django_connection is not None:
        with django_connection.cursor() as c:
            cloner.flush(c.cursor, _WORK["columns"])
        return len(specs)
    with psycopg.connect(_WORK["dsn"]) as conn, conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cloner.flush(cur, _WORK["columns"])
    return len(specs)


def _copy_visits(cur, tree, n_visits, visit_dates, rng) -> None:
    """Approved visits, each with a lead and a second inspector of the organiser; 40% carry an order."""
    from django.utils import timezone

    from bench.copyio import copy_rows, next_id
    from inspections.models import ChecklistTemplate, Visit

    template_id = ChecklistTemplate.objects.order_by("id").values_list("id", flat=True).first()
    base = next_id(cur, "inspections_visit")
    today = timezone.now().astimezone(SHANGHAI).date()
    fields = Visit._meta.concrete_fields
    columns = [f.column for f in fields]
    rows, team = [], []
    member_base = next_id(cur, "inspections_visitteammember")
    for v in range(n_visits):
        school = tree.schools[v % len(tree.schools)]
        vid = base + v
        day = visit_dates.get(vid) or today - dt.timedelta(days=rng.randint(1, 730))
        at = dt.datetime.combine(day, dt.time(9, 30), tzinfo=SHANGHAI)
        lead = tree.person(school.issuer, "inspector", v)
        second = tree.person(school.issuer, "inspector", v + 1)
        row = {"id": vid, "client_uuid": None, "campaign_id": None, "school_id": school.id,
               "organiser_id": school.issuer.id, "kind": "routine", "template_id": template_id,
               "planned_date": day, "status": "approved", "checkin_at": at, "checkin_geo_status": "ok",
               "checkout_at": at + dt.timedelta(hours=3), "representative_name": "校代表",
               "representative_signature": "", "signed_at": at + dt.timedelta(hours=3),
               "submitted_at": at + dt.timedelta(hours=4), "reviewed_by_id": tree.person(school.issuer, "leader"),
               "reviewed_at": at + dt.timedelta(days=1), "review_note": "", "summary": "基准检查",
               "created_by_id": lead, "created_at": at - dt.timedelta(days=7)}
        rows.append(tuple(row[f.attname] if f.attname in row else f.get_default() for f in fields))
        team.append((member_base + 2 * v, vid, lead, True))
        if second != lead:
            team.append((member_base + 2 * v + 1, vid, second, False))
    copy_rows(cur, "inspections_visit", columns, rows)
    copy_rows(cur, "inspections_visitteammember", ["id", "visit_id", "user_id", "is_lead"], team)


if __name__ == "__main__":
    sys.exit(main())
