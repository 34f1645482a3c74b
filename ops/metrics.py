"""Prometheus metrics at /metrics (prometheus-client, without django-prometheus).

Two kinds of figures:
- per process, counted as things happen: request latency and database queries by view, open websockets,
  notifications pushed and their lag. Each daphne worker has its own; Prometheus scrapes every worker on
  its own port (docs/DEPLOY.md), as a multi-process registry would need a shared directory per host.
- of the whole installation, read from the database at scrape time (`DomainCollector`): orders by status and
  overdue, the e-mail and webhook outboxes, timers due and fired. Every one is one indexed aggregate, so a
  scrape costs a handful of queries whatever the size of the tables; any worker gives the same numbers.

django-prometheus would count queries by swapping the database ENGINE for its wrapper, which would sit
between Django and the psycopg pool configured in config/settings.py; a connection execute_wrapper per
request (ops.middleware) counts the same without touching the engine.
"""
import time
from datetime import datetime

from django.db.models import Count, Max, Min, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from inspections.models import RectificationOrder
from notifications.models import Notification, WebhookDelivery

# Seconds; a page of Dudao takes 20-200 ms, an export or a PDF seconds.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUEST_SECONDS = Histogram("dudao_http_request_duration_seconds", "Time to answer a request, by view",
                            ["view", "method"], buckets=LATENCY_BUCKETS)
REQUESTS = Counter("dudao_http_requests", "Requests answered, by view and status class",
                   ["view", "method", "status"])
DB_QUERIES = Counter("dudao_db_queries", "Database queries run while answering requests, by view", ["view"])
DB_SECONDS = Counter("dudao_db_query_seconds", "Time spent in database queries, by view", ["view"])
WEBSOCKETS = Gauge("dudao_websocket_connections", "Websockets open on this worker")
PUSHED = Counter("dudao_notifications_pushed", "Notifications sent over a websocket by this worker")
PUSH_LAG = Histogram("dudao_notification_push_lag_seconds",
                     "From the notification row's insert (in the committing transaction) to its websocket send",
                     buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60))


def record_push(created_at_iso: str) -> None:
    """Called by the websocket consumer for each notification it sends (not for catch-up after a reconnect)."""
    PUSHED.inc()
    try:  # a message from another sender may carry no time: counting it must never break the push
        created_at = datetime.fromisoformat(created_at_iso)
        lag = (timezone.now() - created_at).total_seconds()
    except (TypeError, ValueError):
        return
    PUSH_LAG.observe(max(lag, 0.0))


def _age(oldest, now) -> float:
    return (now - oldest).total_seconds() if oldest else 0.0


def _order_families(now):
    by_status = GaugeMetricFamily("dudao_orders", "Rectification orders by status", labels=["status"])
    counts = dict(RectificationOrder.objects.order_by().values_list("status").annotate(n=Count("id")))
    for status in RectificationOrder.Status.values:  # every status, 0 included: a series never vanishes
        by_status.add_metric([status], counts.get(status, 0))
    overdue = GaugeMetricFamily("dudao_orders_overdue", "Orders overdue now (the school's turn, deadline passed)",
                                value=RectificationOrder.objects.overdue(now).count())
    return [by_status, overdue]


def _outbox_families(now):
    pending = {
        "email": Notification.objects.filter(email=Notification.Email.PENDING),
        "webhook": WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING),
    }
    depth = GaugeMetricFamily("dudao_outbox_depth", "Messages waiting to be sent", labels=["channel"])
    age = GaugeMetricFamily("dudao_outbox_oldest_age_seconds", "Age of the oldest waiting message (0: none)",
                            labels=["channel"])
    for channel, rows in pending.items():
        row = rows.aggregate(n=Count("id"), oldest=Min("created_at"))
        depth.add_metric([channel], row["n"])
        age.add_metric([channel], _age(row["oldest"], now))
    return [depth, age]


def _timer_families(now):
    """Timers due and not yet fired (with the oldest one's lateness: the scheduler's lag) and timers fired."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from .heartbeat import SCHEDULER
    from .models import Heartbeat

    timers = Task.objects.filter(flow_task_type="TIMER", status=STATUS.SCHEDULED)
    due = timers.filter(scheduled__lte=now).aggregate(n=Count("id"), oldest=Min("scheduled"))
    beats = Heartbeat.objects.filter(process=SCHEDULER).aggregate(fired=Sum("timers_fired"), newest=Max("beat_at"))
    return [
        GaugeMetricFamily("dudao_timers_due", "Workflow timers due and not yet fired", value=due["n"]),
        GaugeMetricFamily("dudao_timers_due_oldest_age_seconds", "How late the oldest unfired timer is (0: none)",
                          value=_age(due["oldest"], now)),
        GaugeMetricFamily("dudao_timers_scheduled", "Workflow timers waiting for a later time",
                          value=timers.filter(scheduled__gt=now).count()),
        CounterMetricFamily("dudao_timers_fired", "Timers fired by the scheduler processes of the last 7 days",
                            value=beats["fired"] or 0),
        GaugeMetricFamily("dudao_scheduler_heartbeat_age_seconds",
                          "Seconds since the newest scheduler heartbeat (-1: never)",
                          value=_age(beats["newest"], now) if beats["newest"] else -1),
    ]


def _replica_families():
    from .replica import replica_state

    state = replica_state()
    if state is None:
        return []
    return [GaugeMetricFamily("dudao_replica_up", "1: statistics read from the replica; 0: unreachable or empty, "
                              "read from the primary", value=int(state[0])),
            GaugeMetricFamily("dudao_replica_lag_seconds", "How far the replica's statistics trail the primary",
                              value=state[1])]


class DomainCollector:
    """The installation's figures, queried when Prometheus scrapes (never at import or registration)."""
    def collect(self):
        now = timezone.now()
        started = time.perf_counter()
        yield from _order_families(now)
        yield from _outbox_families(now)
        yield from _timer_families(now)
        yield from _replica_families()
        yield GaugeMetricFamily("dudao_metrics_domain_seconds", "Time this scrape spent on the figures above",
                                value=time.perf_counter() - started)


_DOMAIN = CollectorRegistry(auto_describe=False)
_DOMAIN.register(DomainCollector())


def exposition() -> bytes:
    """This process's metrics (and Python's own: memory, CPU, GC) followed by the installation's."""
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY) + generate_latest(_DOMAIN)
