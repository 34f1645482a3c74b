"""Partial indexes for "my tasks": only open human tasks, a few percent of viewflow_task.

The tasks selector (workflows.tasks._flow_tasks) probes open tasks by
(owner_permission, owner_permission_obj_pk) for each permission the user's groups
hold, and by owner for tasks assigned to them. viewflow's own indexes cover
neither: status and owner alone match millions of finished tasks at province scale.
"""
from django.db import migrations

OPEN_HUMAN = "status IN ('NEW', 'ASSIGNED') AND flow_task_type = 'HUMAN'"


class Migration(migrations.Migration):

    dependencies = [
        ("viewflow", "0015_task_scheduled"),
        ("workflows", "0002_clue_process"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX dudao_open_task_route ON viewflow_task "
            f"(owner_permission, owner_permission_obj_pk, id) WHERE {OPEN_HUMAN}",
            "DROP INDEX dudao_open_task_route",
        ),
        migrations.RunSQL(
            f"CREATE INDEX dudao_open_task_owner ON viewflow_task (owner_id, id) WHERE {OPEN_HUMAN}",
            "DROP INDEX dudao_open_task_owner",
        ),
    ]
