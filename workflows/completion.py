"""Completing a person's task from a service: one way, with one lock, for every flow.

Every flow's `lock_impl` is `LOCK`: viewflow's select-for-update lock, but
waiting instead of NOWAIT. viewflow's stock `select_for_update_lock` catches
the NOWAIT error inside a savepoint it does not roll back, which aborts the
caller's PostgreSQL transaction; waiting, the loser re-reads the task after
the winner's commit and is refused with a conflict (HTTP 409).

`run_task` is what the services of orders, visits and clues call: it locks the
process row (without a savepoint of its own, so the service's transaction
rolls back whole on any error), re-reads the task under the lock, takes it as
the person, lets the service write its records, cancels the task's armed
timers and finishes it, so the flow moves on in the same transaction.
"""
from collections.abc import Callable
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow import lock
from viewflow.workflow.status import STATUS

from . import viewflow_private

LOCK = lock.SelectForUpdateLock(nowait=False)
OPEN = (STATUS.NEW, STATUS.ASSIGNED)


@contextmanager
def _caller_transaction(flow_class, process_pk):
    # viewflow's lock_scope runs its after-lock callbacks around this; the lock is the FOR UPDATE read below.
    yield


def run_task(*, task, user, conflict: type[Exception], apply: Callable | None = None,
             related: tuple[str, ...] = (), attach: Callable | None = None):
    """Complete `task` as `user` and return what `apply(activation)` returned.

    `related` are select_related paths read with the locked process row; `attach(process)` lets
    the caller hand its own domain object to the flow so every node works on that one instance.
    """
    flow_class = task.flow_task.flow_class
    with lock.lock_scope(_caller_transaction, flow_class, task.process_id):
        process = (flow_class.process_class.objects.select_for_update(of=("self",))
                   .select_related(*related).get(pk=task.process_id))
        task.refresh_from_db()  # under the lock: a task done meanwhile shows as done
        _take(task, user, conflict)
        if attach is not None:
            attach(process)
        task.process = process
        activation = task.flow_task.activation_class(task)
        activation.start(None)
        result = apply(activation) if apply is not None else None
        cancel_boundary_timers(task)
        activation.execute()
    return result


def run_step(*, task, user, conflict: type[Exception], attach: Callable | None = None):
    """`run_task` for a step whose flow permission is the whole rule (visits, clues): no open task is a
    conflict (409), a task the person may not take is refused (403)."""
    if task is None:
        raise conflict(_("该步骤当前不可办理。"), code="conflict")
    if task.status == STATUS.NEW and not task.flow_task.can_assign(user, task):
        raise PermissionDenied(_("您无权办理该步骤。"))
    return run_task(task=task, user=user, conflict=conflict, attach=attach)


def _take(task, user, conflict) -> None:
    if task.status not in OPEN:
        raise conflict(_("此环节已由他人办理。"))
    if task.owner_id is not None and task.owner_id != user.pk:
        raise PermissionDenied(_("该步骤已指派给他人。"))
    task.owner, task.status = user, STATUS.ASSIGNED


def cancel_boundary_timers(host) -> None:
    """Cancel the host task's armed timers in one UPDATE before it finishes.

    The same change viewflow's TimerBoundary makes on `task_finished` (status CANCELED,
    `finished` now, only from NEW/SCHEDULED), which would load each timer and its process
    one by one; afterwards viewflow finds none left to cancel.
    """
    timers = viewflow_private.timer_boundaries(host.flow_task)
    if timers:
        host.flow_task.flow_class.task_class.objects.filter(
            process_id=host.process_id, flow_task__in=timers, previous=host,
            status__in=[STATUS.NEW, STATUS.SCHEDULED],
        ).update(status=STATUS.CANCELED, finished=timezone.now())
