"""Dashboard numbers: every figure is aggregated in SQL over the schools the user may see.

Scope comes from organizations.policy (visible organisations), so a district
leader counts their district, a school only itself. The number of queries is
fixed per dashboard whatever the number of rows: counts are grouped in the
database, and the working-day figures are computed from (issue day, close day,
count) groups with the official calendar loaded once.

Definitions (shown on the dashboard page too):
- visits: visits checked in during the period (a planned surprise visit is never counted);
- orders open / overdue / closed: orders issued in the period, by their current state;
- on-time closure rate: closed orders whose closure came no later than their deadline, over all closed;
- median working days to close: working days after the issue day up to the closing day;
- repeat finding: a finding on a checklist item that already failed at the same school in the 365 days before;
- slowest schools: mean working days to close, most open overdue orders first on ties.
"""
import datetime as dt
import statistics
from dataclasses import dataclass, field, replace

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.http import Http404

from ops.replica import statistics_reads
from organizations import policy
from organizations.models import Organization
from workflows.calendar import SHANGHAI, WorkingDayIndex

from inspections.checklists.models import Severity
from inspections.orders.models import Finding, RectificationOrder, overdue_q
from inspections.reports.stats_rollup import ORDER_KEYS, OrderNumbers, from_rollup, split_period
from inspections.visits.models import Visit

REPEAT_WINDOW = dt.timedelta(days=365)
CLOSED = RectificationOrder.Status.CLOSED


@dataclass(frozen=True)
class StatsFilter:
    """The dashboard and ledger filters; dates are Shanghai calendar days, both ends included."""

    start: dt.date | None = None
    end: dt.date | None = None
    campaign_id: int | None = None
    severity: str = ""
    section_id: int | None = None
    org_id: int | None = None  # drill-down: only this organisation's subtree

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat() if self.start else "", "end": self.end.isoformat() if self.end else "",
                "campaign": self.campaign_id or "", "severity": self.severity, "section": self.section_id or "",
                "org": self.org_id or ""}


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def _period_q(field_name: str, flt: StatsFilter) -> Q:
    """[start 00:00, end+1 00:00) in Shanghai time, so the end day is included whole."""
    q = Q()
    if flt.start:
        q &= Q(**{f"{field_name}__gte": _day_start(flt.start)})
    if flt.end:
        q &= Q(**{f"{field_name}__lt": _day_start(flt.end + dt.timedelta(days=1))})
    return q


def get_org_for_user(user, pk) -> Organization:
    """An organisation the user may see, or 404 (no existence leak)."""
    org = policy.visible_orgs(user).filter(pk=pk).first()
    if org is None:
        raise Http404("no such organisation")
    return org


def scoped_schools(user, flt: StatsFilter) -> QuerySet[Organization]:
    """The schools the figures cover: visible to the user, inside the drill-down organisation if any."""
    schools = policy.visible_schools(user)
    if flt.org_id:
        org = get_org_for_user(user, flt.org_id)
        schools = schools.filter(path__startswith=org.path)
    return schools


def _in_schools(user, flt: StatsFilter, school_ids: list[int] | None) -> Q:
    """school IN (the scope), as a list of ids read from the user's grants (here, unless the caller has it).

    A list lets PostgreSQL see how few schools it is; it estimates guardian's
    subquery (a varchar cast of the pk) at most of the table and then scans
    every finding and order.
    """
    if school_ids is None:
        school_ids = list(scoped_schools(user, flt).values_list("pk", flat=True))
    return Q(school_id__in=school_ids)


def findings_in_scope(user, flt: StatsFilter, school_ids: list[int] | None = None) -> QuerySet[Finding]:
    qs = Finding.objects.filter(_in_schools(user, flt, school_ids)).filter(_period_q("found_at", flt))
    if flt.severity:
        qs = qs.filter(severity=flt.severity)
    if flt.section_id:
        qs = qs.filter(item__section_id=flt.section_id)
    if flt.campaign_id:
        qs = qs.filter(visit__campaign_id=flt.campaign_id)
    return qs


def orders_in_scope(user, flt: StatsFilter, school_ids: list[int] | None = None) -> QuerySet[RectificationOrder]:
    qs = RectificationOrder.objects.filter(_in_schools(user, flt, school_ids))
    qs = qs.filter(_period_q("issued_at", flt))
    if flt.severity:
        qs = qs.filter(severity=flt.severity)
    if flt.campaign_id:
        qs = qs.filter(visit__campaign_id=flt.campaign_id)
    if flt.section_id:
        # An order belongs to a section when one of its findings does; Exists avoids duplicate rows.
        qs = qs.filter(Exists(Finding.objects.filter(order=OuterRef("pk"), item__section_id=flt.section_id)))
    return qs


def visits_in_scope(user, flt: StatsFilter, school_ids: list[int] | None = None) -> QuerySet[Visit]:
    # Only checked-in visits: a planned surprise visit must not show up in anyone's counts.
    qs = Visit.objects.filter(_in_schools(user, flt, school_ids), checkin_at__isnull=False)
    qs = qs.filter(_period_q("checkin_at", flt))
    if flt.campaign_id:
        qs = qs.filter(campaign_id=flt.campaign_id)
    return qs


def order_groups(orders: QuerySet[RectificationOrder]) -> list[tuple]:
    """Every order figure in one pass: (school_id, issue day, closing day, *ORDER_KEYS counts) rows.

    The days are set on closed orders only (Shanghai calendar days), so a school's
    open orders make a single row and its closed ones one row per (issue day, closing
    day) for the working-day figures. One scan instead of one per figure: at province
    scale each scan of the orders table is what the dashboard waits for.
    """
    open_, closed = ~Q(status=CLOSED), Q(status=CLOSED)
    done = closed & Q(closed_at__isnull=False)
    return list(orders.annotate(
        issued_day=Case(When(done, then=TruncDate("issued_at", tzinfo=SHANGHAI))),
        closed_day=Case(When(done, then=TruncDate("closed_at", tzinfo=SHANGHAI))),
    ).values_list("school_id", "issued_day", "closed_day").annotate(
        total=Count("pk"), open=Count("pk", filter=open_), overdue=Count("pk", filter=overdue_q()),
        closed=Count("pk", filter=closed),
        closed_on_time=Count("pk", filter=closed & Q(closed_at__lte=F("deadline__due_at"))),
        escalated=Count("pk", filter=open_ & Q(escalation_level__gt=0)),
    ).order_by())


def order_figures(rows: list[tuple]) -> tuple[dict, dict[int, list[int]], list[dict]]:
    """From order_groups rows: the totals, the counts per school (in ORDER_KEYS order) and the closure groups."""
    by_school: dict[int, list[int]] = {}
    groups = []
    for school_id, issued_day, closed_day, *numbers in rows:
        acc = by_school.get(school_id)
        if acc is None:
            by_school[school_id] = list(numbers)
        else:
            for i, n in enumerate(numbers):
                acc[i] += n
        if closed_day is not None:
            groups.append({"school_id": school_id, "issued_day": issued_day, "closed_day": closed_day,
                           "n": numbers[0]})
    totals = [sum(column) for column in zip(*by_school.values())] or [0] * len(ORDER_KEYS)
    return dict(zip(ORDER_KEYS, totals)), by_school, groups


def on_time_rate(counts: dict) -> float | None:
    """Share of closed orders closed by their deadline; None when nothing is closed yet."""
    if not counts["closed"]:
        return None
    return round(counts["closed_on_time"] / counts["closed"], 4)


def _weighted_median(pairs: list[tuple[int, int]]) -> float | None:
    """Median of values given as (value, count) pairs."""
    total = sum(n for _, n in pairs)
    if not total:
        return None
    expanded_mid = [(total - 1) // 2, total // 2]
    picks, seen = [], 0
    for value, n in sorted(pairs):
        for target in expanded_mid:
            if seen <= target < seen + n:
                picks.append(value)
        seen += n
    return statistics.mean(picks)


def closure_days(groups: list[dict]) -> list[tuple[int, int, int]]:
    """(school_id, working days to close, count) for each group."""
    if not groups:
        return []
    first = min(g["issued_day"] for g in groups)
    last = max(max(g["closed_day"] for g in groups), first)
    index = WorkingDayIndex(first, last)
    return [(g["school_id"], index.between(g["issued_day"], g["closed_day"]), g["n"]) for g in groups]


BREAKDOWN_KEYS = ("item__section_id", "item__section__code", "item__section__title", "severity")


def finding_groups(findings: QuerySet[Finding], child_of: dict[int, int]) -> list[dict]:
    """Findings per drill-down row, checklist section and severity: one pass gives the total, the
    breakdown and the drill-down column. `child_of` maps a school to its drill-down row; grouping by
    that row, not by school, keeps the result small for a province."""
    schools_of: dict[int, list[int]] = {}
    for school_id, child_id in child_of.items():
        schools_of.setdefault(child_id, []).append(school_id)
    drill = Case(*[When(school_id__in=ids, then=Value(child_id)) for child_id, ids in schools_of.items()],
                 default=Value(None), output_field=BigIntegerField())
    return list(findings.annotate(drill=drill).values("drill", *BREAKDOWN_KEYS).annotate(n=Count("pk"))
                .order_by("item__section__code", "severity"))


def findings_breakdown(groups: list[dict]) -> list[dict]:
    """Findings per checklist section and severity, in the database's order of the groups."""
    merged: dict[tuple, dict] = {}
    for g in groups:
        key = tuple(g[k] for k in BREAKDOWN_KEYS)
        row = merged.setdefault(key, {**{k: g[k] for k in BREAKDOWN_KEYS}, "n": 0})
        row["n"] += g["n"]
    return list(merged.values())


def repeat_findings(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    """Findings whose checklist item already failed at the same school within the 365 days before."""
    earlier = Finding.objects.filter(
        school_id=OuterRef("school_id"), item_id=OuterRef("item_id"),
        found_at__lt=OuterRef("found_at"), found_at__gte=OuterRef("found_at") - REPEAT_WINDOW,
    )
    return findings.filter(item__isnull=False).filter(Exists(earlier))


def slowest_schools(days: dict[int, list[int]], overdue_by_school: dict, limit: int = 10) -> list[dict]:
    """Schools by mean working days to close (`days`: school → [days summed, closed orders]), ties broken
    by open overdue orders."""
    rows = [{"school_id": sid, "mean_days": round(total / n, 1), "closed": n,
             "open_overdue": overdue_by_school.get(sid, 0)} for sid, (total, n) in days.items() if n]
    for sid, overdue in overdue_by_school.items():
        if sid not in days and overdue:
            rows.append({"school_id": sid, "mean_days": None, "closed": 0, "open_overdue": overdue})
    rows.sort(key=_slowness_key)
    return rows[:limit]


def _slowness_key(row: dict):
    return (-(row["mean_days"] or 0), -row["open_overdue"], row["school_id"])


def _roots(orgs: list[Organization]) -> list[Organization]:
    """The highest organisations of a set: those whose parent is not in it."""
    ids = {o.pk for o in orgs}
    return [o for o in orgs if o.parent_id not in ids]


def _child_of(path: str, children: list[Organization]) -> Organization | None:
    for child in children:
        if path.startswith(child.path):
            return child
    return None


def drill_map(root_children: list[Organization], schools: list[Organization]) -> dict[int, int]:
    """Each school under one of the current level's children → that child's pk."""
    found = {}
    for school in schools:
        child = _child_of(school.path, root_children)
        if child is not None:
            found[school.pk] = child.pk
    return found


DRILL_KEYS = ("total", "open", "overdue", "closed")


def drill_rows(root_children: list[Organization], child_of: dict[int, int], by_school: dict[int, list[int]],
               findings: list[dict]) -> list[dict]:
    """Sum per-school order counts and the finding groups into the children of the current level."""
    rows = {c.pk: {"org": c, "total": 0, "open": 0, "overdue": 0, "closed": 0, "findings": 0}
            for c in root_children}
    for school_id, counts in by_school.items():
        child_id = child_of.get(school_id)
        if child_id is not None:
            for key, n in zip(DRILL_KEYS, counts):  # ORDER_KEYS starts with DRILL_KEYS
                rows[child_id][key] += n
    for g in findings:
        if g["drill"] in rows:
            rows[g["drill"]]["findings"] += g["n"]
    return sorted(rows.values(), key=_drill_key)


def _drill_key(row: dict):
    return (-row["overdue"], -row["open"], row["org"].path)


@dataclass
class Dashboard:
    filter: StatsFilter
    level: Organization | None
    visits: int = 0
    findings: int = 0
    orders: dict = field(default_factory=dict)
    on_time_rate: float | None = None
    median_days: float | None = None
    repeat_findings: int = 0
    breakdown: list = field(default_factory=list)
    slowest: list = field(default_factory=list)
    drill: list = field(default_factory=list)
    school_orders: list = field(default_factory=list)


def _level(user, flt: StatsFilter, visible: list[Organization]) -> tuple[Organization | None, list[Organization]]:
    """The organisation being looked at and its children shown as drill-down rows."""
    if flt.org_id:
        level = next((o for o in visible if o.pk == flt.org_id), None)
        if level is None:
            raise Http404("no such organisation")
        return level, [o for o in visible if o.parent_id == level.pk]
    roots = _roots(visible)
    if len(roots) == 1:
        return roots[0], [o for o in visible if o.parent_id == roots[0].pk]
    return None, roots


def _live_numbers(user, flt: StatsFilter, scope: list[int]) -> OrderNumbers:
    _, by_school, groups = order_figures(order_groups(orders_in_scope(user, flt, scope)))
    return OrderNumbers.of(by_school, closure_days(groups))


def order_numbers(user, flt: StatsFilter, scope: list[int], *, rollup: bool = True) -> OrderNumbers:
    """The order figures: whole months from the rollup, edge days live; all live when asked, or for the
    campaign and checklist-section filters, which are not dimensions of the rollup."""
    if not rollup or flt.campaign_id or flt.section_id:
        return _live_numbers(user, flt, scope)
    months, edges = split_period(flt.start, flt.end)
    numbers = from_rollup(scope, months, flt.severity) if months else OrderNumbers()
    for start, end in edges:
        numbers.add(_live_numbers(user, replace(flt, start=start, end=end), scope))
    return numbers


@statistics_reads()  # from the read replica when there is one (ops/replica.py)
def dashboard(user, flt: StatsFilter, *, rollup: bool = True) -> Dashboard:
    """All dashboard figures for `user` under `flt`, in a fixed number of queries."""
    visible = list(policy.visible_orgs(user).only("pk", "name", "short_name", "kind", "parent_id", "path"))
    level, children = _level(user, flt, visible)
    schools = [o for o in visible if o.kind == Organization.Kind.SCHOOL and (not level or o.path.startswith(level.path))]
    # The scope as ids from the grants just read (nothing cached): the same schools scoped_schools() selects.
    scope = [s.pk for s in schools] if flt.org_id else [o.pk for o in visible if o.kind == Organization.Kind.SCHOOL]
    findings = findings_in_scope(user, flt, scope)
    board = Dashboard(filter=flt, level=level, visits=visits_in_scope(user, flt, scope).count())
    numbers = order_numbers(user, flt, scope, rollup=rollup)
    board.orders, by_school = numbers.totals(), numbers.by_school
    board.on_time_rate = on_time_rate(board.orders)
    board.median_days = _weighted_median(list(numbers.spread.items()))
    board.repeat_findings = repeat_findings(findings).count()
    child_of = drill_map(children, schools)
    found = finding_groups(findings, child_of)
    board.findings = sum(g["n"] for g in found)
    board.breakdown = findings_breakdown(found)
    names = {s.pk: s for s in schools}
    overdue = ORDER_KEYS.index("overdue")
    board.slowest = [{**row, "school": names[row["school_id"]]} for row in slowest_schools(
        numbers.days, {sid: c[overdue] for sid, c in by_school.items()}) if row["school_id"] in names]
    board.drill = drill_rows(children, child_of, by_school, found)
    if level is not None and level.kind == Organization.Kind.SCHOOL:
        board.school_orders = list(orders_in_scope(user, flt, scope).select_related("deadline").order_by("-issued_at", "-id")[:100])
    return board


# --- a school's score per quarter ---------------------------------------------------------

SEVERITY_WEIGHT = {Severity.GENERAL: 2, Severity.SERIOUS: 5, Severity.MAJOR: 10}
HAZARD_WEIGHT = 5
LATE_ORDER_WEIGHT = 5


def score_formula(findings: dict[tuple[str, bool], int], late_orders: int) -> int:
    """100 − 2·general − 5·serious − 10·major − 5·hazards − 5·late orders, never below 0.

    `findings` maps (severity, hazard) to a count for the quarter; a late order is
    one issued in the quarter that closed after its deadline or is overdue now.
    """
    lost = sum(SEVERITY_WEIGHT.get(sev, 2) * n + (HAZARD_WEIGHT * n if hazard else 0)
               for (sev, hazard), n in findings.items())
    return max(0, 100 - lost - LATE_ORDER_WEIGHT * late_orders)


def _quarter(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def last_quarters(today: dt.date, n: int) -> list[tuple[int, int]]:
    year, q = _quarter(today)
    out = []
    for _ in range(n):
        out.append((year, q))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return out[::-1]


def school_scores(school: Organization, today: dt.date, quarters: int = 8) -> list[dict]:
    """The school's score for each of the last `quarters` quarters (two grouped queries)."""
    periods = last_quarters(today, quarters)
    since = _day_start(dt.date(periods[0][0], (periods[0][1] - 1) * 3 + 1, 1))
    by_q: dict[tuple[int, int], dict] = {p: {} for p in periods}
    late: dict[tuple[int, int], int] = {p: 0 for p in periods}
    for r in (Finding.objects.filter(school=school, found_at__gte=since)
              .annotate(day=TruncDate("found_at", tzinfo=SHANGHAI)).values("day", "severity", "hazard")
              .annotate(n=Count("pk")).order_by()):
        key = (r["severity"], r["hazard"])
        bucket = by_q.get(_quarter(r["day"]))
        if bucket is not None:
            bucket[key] = bucket.get(key, 0) + r["n"]
    late_q = Q(closed_at__gt=F("deadline__due_at")) | overdue_q()
    for r in (RectificationOrder.objects.filter(school=school, issued_at__gte=since).filter(late_q)
              .annotate(day=TruncDate("issued_at", tzinfo=SHANGHAI)).values("day").annotate(n=Count("pk")).order_by()):
        if _quarter(r["day"]) in late:
            late[_quarter(r["day"])] += r["n"]
    return [{"year": y, "quarter": q, "label": f"{y}Q{q}", "findings": sum(by_q[(y, q)].values()),
             "late": late[(y, q)], "score": score_formula(by_q[(y, q)], late[(y, q)])} for y, q in periods]


def get_school_for_user(user, pk) -> Organization:
    """A school the user may see (own school, or one below their authority); otherwise 404."""
    school = policy.visible_schools(user).filter(pk=pk).first()
    if school is None:
        raise Http404("no such school")
    return school
