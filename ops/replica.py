"""Statistics from a streaming read replica, when DATABASE_REPLICA_URL is set (the `replica` database alias).

Only what runs inside `statistics_reads()` reads there: the dashboard, the ledger and the ledger export
(their views and selectors). Everything else stays on the primary: every write (whatever database an instance
was read from), every read inside a transaction (it must see the transaction's own writes), and the ordinary
pages, so a user sent back to a page after a change always sees it. A replica that cannot be reached, or has
replayed nothing yet, is skipped for that request (logged) rather than failing the page; a lagging one is used
and the page says how fresh its figures are (`freshness()`).
"""
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils import timezone
from django.utils.translation import gettext as _

REPLICA = "replica"
logger = logging.getLogger("dudao.replica")

# Caught up: nothing received that is not replayed yet (or not a standby at all). Else the replay point's time.
FRESHNESS_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_receive_lsn() IS NOT NULL AND pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn(),
       pg_last_xact_replay_timestamp(), now()
"""


@dataclass(frozen=True)
class Freshness:
    as_of: datetime  # the figures include every change committed up to this moment
    lagging: bool  # behind by at least REPLICA_LAG_NOTICE_SECONDS: the page says so
    lag_seconds: float = 0.0  # behind the primary by this much (0: caught up)

    def notice(self) -> str:
        local = timezone.localtime(self.as_of)
        stamp = f"{local:%H:%M}" if local.date() == timezone.localdate() else f"{local:%m-%d %H:%M}"
        return _("数据更新于 %(time)s，最近的变动稍后显示。") % {"time": stamp}


_reading: ContextVar[str | None] = ContextVar("dudao_statistics_db", default=None)
_freshness: ContextVar[Freshness | None] = ContextVar("dudao_statistics_freshness", default=None)


class StatisticsRouter:
    """Reads go to the replica only inside statistics_reads(); writes and migrations only to the primary."""

    def db_for_read(self, model, **hints):
        alias = _reading.get()
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None  # Django's choice: the instance's own database, else the primary
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS  # also for an instance read from the replica

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA, None} or None

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


def _probe() -> tuple[str, Freshness | None]:
    """Which database this request's statistics read, and how fresh it is (one query on the replica)."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(FRESHNESS_SQL)
            standby, caught_up, replayed_at, now = cursor.fetchone()
    except DatabaseError:
        logger.warning("read replica unreachable: statistics are read from the primary", exc_info=True)
        connections[REPLICA].close()
        return DEFAULT_DB_ALIAS, None
    if not standby or caught_up:
        return REPLICA, Freshness(as_of=now, lagging=False)
    if replayed_at is None:
        logger.warning("read replica has replayed nothing yet: statistics are read from the primary")
        return DEFAULT_DB_ALIAS, None
    lag = max((now - replayed_at).total_seconds(), 0.0)
    return REPLICA, Freshness(as_of=replayed_at, lagging=lag >= settings.REPLICA_LAG_NOTICE_SECONDS, lag_seconds=lag)


@contextmanager
def statistics_reads():
    """Reads inside (a view, a selector; as `with` or `@statistics_reads()`) go to the replica if there is one.

    Nested uses keep the outer decision, so a view and the selectors it calls probe the replica once."""
    if _reading.get() is not None or REPLICA not in connections.settings:
        yield
        return
    alias, fresh = _probe()
    tokens = _reading.set(alias), _freshness.set(fresh)
    try:
        yield
    finally:
        _reading.reset(tokens[0])
        _freshness.reset(tokens[1])


def replica_state() -> tuple[bool, float] | None:
    """(usable, seconds behind) of the read replica, for /metrics; None when there is none."""
    if REPLICA not in connections.settings:
        return None
    alias, fresh = _probe()
    return (True, fresh.lag_seconds) if alias == REPLICA else (False, 0.0)


def freshness() -> Freshness | None:
    """How fresh the figures being read are; None when they come from the primary (always current)."""
    return _freshness.get() if _reading.get() == REPLICA else None
