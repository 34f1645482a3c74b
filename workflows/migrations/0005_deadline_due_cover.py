"""A covering index for the dashboard's on-time figure: closed orders joined to their deadline's due_at.

PostgreSQL only (INCLUDE); with it the join is an index-only probe instead of a heap fetch per closed order.
"""
from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS deadline_due_cover_idx ON workflows_deadline (id) INCLUDE (due_at)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS deadline_due_cover_idx")


class Migration(migrations.Migration):

    dependencies = [
        ("workflows", "0004_routed_task"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
