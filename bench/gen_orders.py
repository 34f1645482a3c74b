"""Generate N rectification orders (with findings and deadlines) quickly, for measuring.

    DUDAO_DEMO=1 .venv/bin/python bench/gen_orders.py 100000 [--seed 7]

Orders are spread over every school in the database, issued by the school's
parent bureau over the 24 months before today, with 1–3 findings each on the
items of the newest checklist. About 45 % are closed (some late), 10 % overdue.
Rows go in with bulk_create in batches, so 100,000 orders take well under a
minute on PostgreSQL. Run `load_demo` first for the Jinan tree.
"""
import datetime as dt
import os
import random
import sys
import uuid
from pathlib import Path

BATCH = 2000


def _setup():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DUDAO_DEMO", "1")
    import django

    django.setup()


def _refs():
    from django.contrib.auth import get_user_model

    from inspections.models import ChecklistItem
    from organizations.models import Organization

    schools = list(Organization.objects.filter(kind="school").select_related("parent"))
    items = list(ChecklistItem.objects.select_related("section").order_by("-section__template_id", "id")[:60])
    user = get_user_model().objects.order_by("pk").first()
    if not schools or not user:
        raise SystemExit("no schools or users: run `manage.py load_demo` first")
    return schools, items, user


def _deadline(rng, index, issued, purpose="bench"):
    from workflows.models import Deadline

    days = rng.choice((2, 5, 10, 20))
    due_day = issued.date() + dt.timedelta(days=days * 7 // 5)
    due = dt.datetime.combine(due_day, dt.time(23, 59, 59), tzinfo=issued.tzinfo)
    return Deadline(purpose=purpose, start_date=issued.date(), working_days=days, due_at=due, is_open=True)


def _order(rng, serial, school, user, issued, deadline, now):
    from inspections.models import RectificationOrder

    closed = rng.random() < 0.45
    late = closed and rng.random() < 0.3
    closed_at = (deadline.due_at + dt.timedelta(days=rng.randint(1, 20)) if late else
                 issued + (deadline.due_at - issued) * rng.random()) if closed else None
    overdue = not closed and deadline.due_at < now
    issuer = school.parent
    return RectificationOrder(
        client_uuid=uuid.uuid4(), issuer=issuer, year=issued.year, serial=serial,
        number=f"BENCH-{issuer.pk}-{serial}", school=school, requirements="限期整改到位。",
        severity=rng.choice(("general", "general", "serious", "major")), deadline=deadline,
        status="closed" if closed else rng.choice(("issued", "rectifying", "rechecking")), round=1,
        overdue_count=int(overdue), issued_by=user, issued_at=issued, closed_at=closed_at,
    )


def _findings(rng, order, items, user):
    from inspections.models import Finding

    return [Finding(client_uuid=uuid.uuid4(), school_id=order.school_id, item=rng.choice(items) if items else None,
                    description="生成的测试问题", severity=order.severity, found_at=order.issued_at - dt.timedelta(hours=2),
                    found_by=user, order=order) for _ in range(rng.randint(1, 3))]


def generate(n: int, seed: int = 7) -> int:
    """Insert n orders; returns how many findings were made."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from inspections.models import Finding, RectificationOrder
    from workflows.models import Deadline

    rng, now = random.Random(seed), timezone.now()
    schools, items, user = _refs()
    serial = (RectificationOrder.objects.aggregate(m=Max("serial"))["m"] or 0) + 1
    made = 0
    for start in range(0, n, BATCH):
        with transaction.atomic():
            rows = []
            for i in range(start, min(n, start + BATCH)):
                issued = now - dt.timedelta(minutes=rng.randint(60, 730 * 24 * 60))
                rows.append((rng.choice(schools), issued, _deadline(rng, i, issued)))
            deadlines = Deadline.objects.bulk_create([r[2] for r in rows])
            orders = [_order(rng, serial + start + k, s, user, issued, dl, now)
                      for k, ((s, issued, _), dl) in enumerate(zip(rows, deadlines))]
            orders = RectificationOrder.objects.bulk_create(orders)
            made += len(Finding.objects.bulk_create([f for o in orders for f in _findings(rng, o, items, user)]))
    return made


if __name__ == "__main__":
    import argparse
    import time

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    _setup()
    t0 = time.perf_counter()
    findings = generate(args.n, args.seed)
    print(f"{args.n} orders, {findings} findings in {time.perf_counter() - t0:.1f} s")
