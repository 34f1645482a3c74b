"""Indexes for the ledger and the dashboard at province scale (issue 8, T3). Additive only.

PostgreSQL only, written as SQL: two are covering indexes (INCLUDE), which only
PostgreSQL has, and all of them exist for its planner; SQLite (development,
tests) needs none. They are kept out of the models' Meta so that no generated
migration ever tries to drop them.

- ledger filtered by status (and severity): walk the (issued_at, id) order inside
  one status instead of skipping every newer order of other states;
- dashboard: one index-only pass per table over the schools in scope, once the
  visibility map is set (autovacuum), instead of reading the whole heap;
- repeat findings: the "same item failed at this school in the year before" probe.
"""
from django.db import migrations

INDEXES = {
    "ord_status_sev_issued_idx": "inspections_rectificationorder (status, severity, issued_at, id)",
    "ord_status_issued_idx": "inspections_rectificationorder (status, issued_at, id)",
    "ord_school_figures_idx": ("inspections_rectificationorder (school_id) INCLUDE (status, severity, is_overdue, "
                               "escalation_level, issued_at, closed_at, deadline_id)"),
    "fnd_school_item_found_idx": "inspections_finding (school_id, item_id, found_at) INCLUDE (severity)",
    "visit_school_checkin_idx": "inspections_visit (school_id, checkin_at)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("inspections", "0006_campaign_results_publication"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
