"""What a scorecard is computed from, read once per evaluation (a fixed number of queries, whatever the
number of units): tasks and their accepted values, filings, findings (with their repeat flag) and orders.

Repeat findings are defined by inspections.reports.stats (same checklist item failed at the same school within the
365 days before); the self-inspection agreement by selfchecks.selectors.agreement (what the school had itself
reported of what the inspectors later found), absent for a unit none of whose schools self-inspected.
"""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from inspections.models import Finding, RectificationOrder
from inspections.reports.stats import REPEAT_WINDOW
from organizations.models import Organization
from selfchecks.selectors import agreement
from workflows.calendar import SHANGHAI

from . import scoring, status
from .models import FilingRequest, PlanFiling, ProgrammeTask


@dataclass
class Facts:
    """The raw counts of one evaluation, per unit id."""

    task_shares: dict = field(default_factory=lambda: defaultdict(list))  # unit → [indicator share]
    filings_due: dict = field(default_factory=lambda: defaultdict(int))
    filings_on_time: dict = field(default_factory=lambda: defaultdict(int))
    findings: dict = field(default_factory=lambda: defaultdict(list))  # school → [(severity, is_repeat)]
    orders: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # school → [on time, late]
    agreement: dict = field(default_factory=dict)  # school → [self-reported, inspector findings]


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    return begin, dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)


def units_of(programme) -> list[Organization]:
    """The districts and schools under the programme's issuer, in tree order."""
    return list(Organization.objects.filter(path__startswith=programme.issuer.path,
                                            kind__in=["district", "school"]).order_by("path"))


def _task_facts(facts: Facts, programme, end: dt.date) -> None:
    tasks = (ProgrammeTask.objects.filter(programme=programme)
             .prefetch_related("indicators", "co_units", "reports__values"))
    for task in tasks:
        reports = sorted((r for r in task.reports.all() if r.period_end <= end),
                         key=lambda r: (r.period_end, r.pk), reverse=True)
        values = status.accepted_values(reports)
        shares = [status.indicator_share(i, values.get(i.pk)) for i in task.indicators.all()]
        for unit_id in {task.lead_unit_id, *(u.pk for u in task.co_units.all())}:
            facts.task_shares[unit_id].extend(shares)


def _filing_facts(facts: Facts, programme, start: dt.date, end: dt.date) -> None:
    requests = FilingRequest.objects.filter(programme=programme, due_date__gte=start, due_date__lte=end)
    for request_id, filer_id in requests.values_list("pk", "filers"):
        if filer_id is not None:
            facts.filings_due[filer_id] += 1
    on_time = (PlanFiling.objects.filter(request__in=requests, late=False)
               .values_list("request_id", "filer_id").distinct())
    for _request_id, filer_id in on_time:
        facts.filings_on_time[filer_id] += 1


def _finding_facts(facts: Facts, schools: list[int], begin: dt.datetime, until: dt.datetime) -> None:
    earlier = Finding.objects.filter(school_id=OuterRef("school_id"), item_id=OuterRef("item_id"),
                                     found_at__lt=OuterRef("found_at"),
                                     found_at__gte=OuterRef("found_at") - REPEAT_WINDOW)
    rows = (Finding.objects.filter(school_id__in=schools, found_at__gte=begin, found_at__lt=until)
            .annotate(repeat=Q(item__isnull=False) & Exists(earlier)).values_list("school_id", "severity", "repeat"))
    for school_id, severity, repeat in rows:
        facts.findings[school_id].append((severity, bool(repeat)))


def _order_facts(facts: Facts, schools: list[int], begin: dt.datetime, until: dt.datetime, now) -> None:
    """An order whose deadline fell in the period: on time if closed by it; late if closed after it or still
    open past it. One still open before its deadline is not judged yet."""
    rows = RectificationOrder.objects.filter(school_id__in=schools, deadline__due_at__gte=begin,
                                             deadline__due_at__lt=until).values_list(
        "school_id", "closed_at", "deadline__due_at")
    for school_id, closed_at, due_at in rows:
        if closed_at is not None:
            facts.orders[school_id][0 if closed_at <= due_at else 1] += 1
        elif now > due_at:
            facts.orders[school_id][1] += 1


def gather(evaluation, units: list[Organization], now=None) -> Facts:
    facts = Facts()
    begin, until = _bounds(evaluation.period_start, evaluation.period_end)
    schools = [u.pk for u in units if u.kind == "school"]
    _task_facts(facts, evaluation.programme, evaluation.period_end)
    _filing_facts(facts, evaluation.programme, evaluation.period_start, evaluation.period_end)
    _finding_facts(facts, schools, begin, until)
    _order_facts(facts, schools, begin, until, now or timezone.now())
    _agreement_facts(facts, evaluation)
    return facts


def _agreement_facts(facts: Facts, evaluation) -> None:
    rows = agreement(organization=evaluation.programme.issuer, period_start=evaluation.period_start,
                     period_end=evaluation.period_end)["schools"]
    facts.agreement = {row["organization"]: [row["self_reported"], row["inspector_findings"]] for row in rows}


def _schools_under(unit: Organization, units: list[Organization]) -> list[int]:
    if unit.kind == "school":
        return [unit.pk]
    return [u.pk for u in units if u.kind == "school" and u.path.startswith(unit.path)]


def inputs_for(unit: Organization, units: list[Organization], facts: Facts, scheme: dict) -> dict:
    """Each input's value (a decimal string, or None when absent) and the counts it came from."""
    schools = _schools_under(unit, units)
    shares = facts.task_shares.get(unit.pk, [])
    found = [f for s in schools for f in facts.findings.get(s, [])]
    points = sum(Decimal(str(scheme["severity_points"].get(sev, 0))) for sev, _r in found)
    on_time = sum(facts.orders[s][0] for s in schools if s in facts.orders)
    late = sum(facts.orders[s][1] for s in schools if s in facts.orders)
    repeats = sum(1 for _s, r in found if r)
    told, found_later = (sum(facts.agreement[s][i] for s in schools if s in facts.agreement) for i in (0, 1))
    values = {
        scoring.TASK_PROGRESS: (scoring.share(sum(shares), len(shares)), {"indicators": len(shares)}),
        scoring.FILING_ON_TIME: (scoring.share(facts.filings_on_time.get(unit.pk, 0),
                                               facts.filings_due.get(unit.pk, 0)),
                                 {"due": facts.filings_due.get(unit.pk, 0),
                                  "on_time": facts.filings_on_time.get(unit.pk, 0)}),
        scoring.FINDINGS: (scoring.findings_value(points, len(schools), scheme["findings_cap"]),
                           {"findings": len(found), "points": str(points), "schools": len(schools)}),
        scoring.RECTIFICATION_ON_TIME: (scoring.share(on_time, on_time + late), {"on_time": on_time, "late": late}),
        scoring.REPEAT_FINDINGS: (None if not found else 1 - scoring.share(repeats, len(found)),
                                  {"repeats": repeats, "findings": len(found)}),
        scoring.SELF_INSPECTION_AGREEMENT: (scoring.share(told, found_later),
                                            {"self_reported": told, "inspector_findings": found_later}),
    }
    return {k: {"value": None if v is None else str(Decimal(v).quantize(Decimal("0.0001"))), **counts}
            for k, (v, counts) in values.items()}
