"""T1 in the small: queries per service action and milliseconds per cycle, on a test-like world.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dudao_h3 .venv/bin/python -m bench.t1_profile \
        [--cycles 20] [--profile] [--sql ACTION]

The database is migrated and EMPTIED first (use a database of your own). The world is the
tests' tree (tests/conftest.py): a city, two districts, schools, one person per role.
Prints the queries of each action of one cycle (after a warm-up cycle), the median and
p90 milliseconds of `--cycles` cycles, and with `--profile` cProfile's top functions of one
cycle; `--sql sign` lists the statements of that action, grouped.
"""
import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from collections import Counter

ACTIONS = ("finding", "issue", "sign", "report", "approve", "recheck", "closure")


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()


def build_world():
    from django.core.management import call_command

    from organizations.roles import Role
    from organizations.services import membership_grant, organization_create
    from django.contrib.auth import get_user_model

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    city = organization_create(code="C", name="测试市教育局", kind="city", doc_prefix="测教督改")
    district = organization_create(code="DA", name="甲区教体局", kind="district", parent=city, doc_prefix="甲教督改")
    other = organization_create(code="DB", name="乙区教体局", kind="district", parent=city, doc_prefix="乙教督改")
    school = organization_create(code="SA", name="甲一职专", kind="school", parent=district)
    organization_create(code="SA2", name="甲二职专", kind="school", parent=district)
    organization_create(code="SB", name="乙一职专", kind="school", parent=other)

    def user(name, org, role):
        person = get_user_model().objects.create_user(username=name, password="pw-for-tests-1", first_name=name)
        membership_grant(user=person, organization=org, role=role)
        return person

    cast = {"di": user("district_inspector", district, Role.INSPECTOR),
            "dl": user("district_leader", district, Role.LEADER),
            "sl": user("school_leader", school, Role.SCHOOL_LEADER),
            "ss": user("school_staff", school, Role.SCHOOL_STAFF)}
    user("city_leader", city, Role.LEADER)
    user("city_inspector", city, Role.INSPECTOR)
    user("other_inspector", other, Role.INSPECTOR)
    return school, cast


def cycle_steps(school, cast):
    """The seven service calls of bench/t1_flow.service_cycle, as (name, thunk) pairs sharing state."""
    from inspections.orders import services as svc

    state = {}
    return [
        ("finding", lambda: state.update(finding=svc.finding_create(
            school=school, description="基准T1问题", severity="general", found_by=cast["di"]))),
        ("issue", lambda: state.update(order=svc.order_issue(
            school=school, findings=[state["finding"]], issued_by=cast["di"], requirements="T1"))),
        ("sign", lambda: svc.order_sign(order=state["order"], user=cast["sl"])),
        ("report", lambda: svc.report_submit(order=state["order"], user=cast["ss"], measures="已整改")),
        ("approve", lambda: svc.report_approve(order=state["order"], user=cast["sl"])),
        ("recheck", lambda: svc.recheck_record(order=state["order"], user=cast["di"], method="document",
                                               result="pass")),
        ("closure", lambda: svc.closure_approve(order=state["order"], user=cast["dl"])),
    ], state


def run_cycle(school, cast):
    steps, state = cycle_steps(school, cast)
    for _, step in steps:
        step()
    assert state["order"].status == "closed", state["order"].status


def count_queries(school, cast) -> dict[str, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    steps, state = cycle_steps(school, cast)
    per_action = {}
    for name, step in steps:
        with CaptureQueriesContext(connection) as ctx:
            step()
        per_action[name] = [q["sql"] for q in ctx.captured_queries]
    assert state["order"].status == "closed"
    return per_action


def _shape(sql: str) -> str:
    sql = re.sub(r'SELECT (DISTINCT )?"(\w+)"\."\w+".*? FROM', r"SELECT \1\2.* FROM", sql)
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "N", sql)
    return sql[:220]


def time_cycles(school, cast, n: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (this process only: Python, Django, the driver) milliseconds of each cycle."""
    wall, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        run_cycle(school, cast)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def profile_cycle(school, cast, top: int = 30, sort: str = "cumulative") -> str:
    prof = cProfile.Profile()
    prof.enable()
    run_cycle(school, cast)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats(sort).print_stats(top)
    return buf.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--profile", nargs="?", const="cumulative", choices=["cumulative", "tottime"],
                        help="cProfile one cycle, sorted by this")
    parser.add_argument("--sql", choices=ACTIONS, help="list the grouped statements of one action")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    school, cast = build_world()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    run_cycle(school, cast)  # warm-up: content types, caches of viewflow nodes, first counters
    per_action = count_queries(school, cast)
    total = 0
    for name in ACTIONS:
        total += len(per_action[name])
        print(f"  {name:8s} {len(per_action[name]):4d} queries")
    print(f"  {'cycle':8s} {total:4d} queries")
    if args.sql:
        for k, sql in enumerate(per_action[args.sql]):
            print(f"{k:3d} {_shape(sql)}")
        for shape, k in Counter(_shape(q) for q in per_action[args.sql]).most_common(8):
            print(f"{k:3d}× {shape}")
    wall, cpu = time_cycles(school, cast, args.cycles)
    for label, values in (("wall", sorted(wall)), ("CPU", sorted(cpu))):
        print(f"cycle ms {label:4s}: median {statistics.median(values):.1f}  "
              f"p90 {values[int(len(values) * 0.9) - 1]:.1f}  min {values[0]:.1f}  (n={len(values)})")
    if args.profile:
        print(profile_cycle(school, cast, sort=args.profile))


if __name__ == "__main__":
    sys.exit(main())
