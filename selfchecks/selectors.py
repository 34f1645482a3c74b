"""Reads of self-inspection: who sees which report, the schools a request covers, what a visited school
self-reported, and the self-report agreement statistic.

Visibility: the school's own people (report_for_school) see its reports in every state; anyone else who
may view the school (its district and city bureau) sees signed reports only. Department liaisons hold
their grants on their own unit only, so they never see a school's report. Anything else is 404.
"""
import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from inspections.models import Finding
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm
from workflows.calendar import SHANGHAI

from .models import SelfCheck, SelfCheckRequest, SelfCheckResult, SelfFinding

SIGNED = SelfCheck.Status.SIGNED


def selfchecks_visible_to(user):
    own = policy.orgs_with(user, Perm.SCHOOL_REPORT).values("pk")
    seen = policy.orgs_with(user, Perm.VIEW).values("pk")
    return (SelfCheck.objects.filter(Q(school__in=own) | Q(school__in=seen, status=SIGNED))
            .select_related("school", "request__campaign__template", "signed_by").distinct())


def get_selfcheck_for_user(user, pk) -> SelfCheck:
    try:
        return selfchecks_visible_to(user).get(pk=pk)
    except (SelfCheck.DoesNotExist, ValueError, TypeError):
        raise Http404("self-inspection not found") from None


def get_finding_for_user(user, pk) -> SelfFinding:
    try:
        return SelfFinding.objects.select_related("selfcheck__school").get(
            pk=pk, selfcheck__in=selfchecks_visible_to(user))
    except (SelfFinding.DoesNotExist, ValueError, TypeError):
        raise Http404("self-found problem not found") from None


def pool_of(request: SelfCheckRequest):
    """The schools a request covers: the campaign's chosen schools, else every active school below its organiser."""
    campaign = request.campaign
    schools = Organization.objects.filter(kind=Organization.Kind.SCHOOL, is_active=True,
                                          path__startswith=campaign.organiser.path)
    if campaign.target_schools.exists():
        schools = schools.filter(pk__in=campaign.target_schools.values("pk"))
    return schools.order_by("path")


def requests_for_school(school: Organization):
    """Requests whose pool holds `school` (for the school's list of self-inspections to do)."""
    ancestors = [school.path[:i] for i in range(1, len(school.path) + 1)]
    candidates = SelfCheckRequest.objects.filter(campaign__organiser__path__in=ancestors).select_related(
        "campaign__organiser", "campaign__template")
    return [r for r in candidates if pool_of(r).filter(pk=school.pk).exists()]


def requests_visible_to(user):
    """Requests of campaigns the user organises (leaders) or is asked by (a school's people)."""
    lead = policy.orgs_with(user, Perm.LEAD).values("pk")
    own = list(policy.orgs_with(user, Perm.SCHOOL_REPORT).filter(kind=Organization.Kind.SCHOOL))
    ids = {r.pk for school in own for r in requests_for_school(school)}
    return (SelfCheckRequest.objects.filter(Q(campaign__organiser__in=lead) | Q(pk__in=ids))
            .select_related("campaign__organiser").distinct())


def get_request_for_user(user, pk) -> SelfCheckRequest:
    try:
        return requests_visible_to(user).get(pk=pk)
    except (SelfCheckRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("self-inspection request not found") from None


def board(request: SelfCheckRequest) -> list[dict]:
    """Per school of the pool: its self-inspection (or none yet) and whether it is late."""
    mine = {s.school_id: s for s in request.selfchecks.all()}
    today = timezone.localdate()
    return [{"school": school, "selfcheck": mine.get(school.pk),
             "late": (mine.get(school.pk) is None or mine[school.pk].status != SIGNED) and today > request.due_date}
            for school in pool_of(request)]


def self_reported_for_visit(user, visit) -> dict | None:
    """What the visited school self-reported before the visit: its latest signed report the user may see."""
    latest = (selfchecks_visible_to(user).filter(school=visit.school, status=SIGNED)
              .order_by("-signed_at").first())
    if latest is None:
        return None
    findings = list(latest.findings.select_related("item"))
    failed = list(latest.results.filter(result=SelfCheckResult.Result.FAIL).select_related("item"))
    return {"selfcheck": latest, "findings": findings, "failed": failed,
            "items": sorted({f.item.code for f in findings if f.item} | {r.item.code for r in failed})}


# ---------------------------------------------------------------- self-report agreement


def _self_reported_items(schools, start: dt.datetime, end: dt.datetime) -> dict[int, tuple[dt.datetime, set]]:
    """Per school: the first signing in the window, and the checklist items its signed reports named."""
    signed = SelfCheck.objects.filter(school__in=schools, status=SIGNED, signed_at__gte=start, signed_at__lt=end)
    first: dict[int, dt.datetime] = {}
    for school_id, signed_at in signed.values_list("school_id", "signed_at"):
        first[school_id] = min(first.get(school_id, signed_at), signed_at)
    items = defaultdict(set)
    for school_id, item_id in SelfFinding.objects.filter(selfcheck__in=signed, item__isnull=False).values_list(
            "selfcheck__school_id", "item_id"):
        items[school_id].add(item_id)
    for school_id, item_id in SelfCheckResult.objects.filter(
            selfcheck__in=signed, result=SelfCheckResult.Result.FAIL).values_list("selfcheck__school_id", "item_id"):
        items[school_id].add(item_id)
    return {school_id: (when, items[school_id]) for school_id, when in first.items()}


def _window(period_start: dt.date, period_end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(period_start, dt.time.min, tzinfo=SHANGHAI)
    return start, dt.datetime.combine(period_end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)


def _blank() -> dict:
    return {"self_checked": 0, "inspector_findings": 0, "self_reported": 0, "missed": 0}


def _school_counts(reported, findings) -> dict[int, dict]:
    counts = {school_id: {**_blank(), "self_checked": 1} for school_id in reported}
    for school_id, item_id, found_at in findings:
        signed_first, items = reported[school_id]
        if found_at < signed_first:
            continue  # found before the school had inspected itself: nothing to agree with yet
        row = counts[school_id]
        row["inspector_findings"] += 1
        row["self_reported" if item_id in items else "missed"] += 1
    return counts


def _counts_for(schools, start: dt.datetime, end: dt.datetime) -> dict[int, dict]:
    reported = _self_reported_items(schools, start, end)
    findings = Finding.objects.filter(school_id__in=list(reported), visit__isnull=False, item__isnull=False,
                                      found_at__gte=start, found_at__lt=end)
    return _school_counts(reported, findings.values_list("school_id", "item_id", "found_at"))


def agreement(*, organization: Organization, period_start: dt.date, period_end: dt.date) -> dict:
    """Self-report agreement below `organization` for the period (Shanghai dates, both ends included).

    Only schools with a self-inspection signed in the period count. An inspector's finding (made on a visit,
    on a checklist item, after the school's first signing) is `self_reported` when one of the school's
    signed reports named the same item (a self-found problem or a failed result), else `missed`.
    Returns {"schools": [row], "districts": [row], "total": row}; each row holds the four counts and its
    `organization` id (districts: the school's parent, a city for its own schools). Unscoped: the caller
    checks that the reader may view `organization`.
    """
    start, end = _window(period_start, period_end)
    counts = _counts_for(Organization.objects.filter(kind=Organization.Kind.SCHOOL,
                                                     path__startswith=organization.path), start, end)
    parents = dict(Organization.objects.filter(pk__in=list(counts)).values_list("pk", "parent_id"))
    districts, total = defaultdict(_blank), _blank()
    for school_id, row in counts.items():
        for bucket in (districts[parents[school_id]], total):
            for key, value in row.items():
                bucket[key] += value
    return {"schools": [{"organization": k, **v} for k, v in sorted(counts.items())],
            "districts": [{"organization": k, **v} for k, v in sorted(districts.items())], "total": total}


def missed_by_school(school_ids, now: dt.datetime) -> dict[int, int]:
    """Risk factor for the draw: per school, inspector findings of the last 12 months it had not self-reported."""
    counts = _counts_for(Organization.objects.filter(pk__in=list(school_ids)), now - dt.timedelta(days=365), now)
    return {int(school_id): counts.get(int(school_id), {}).get("missed", 0) for school_id in school_ids}
