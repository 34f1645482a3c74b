"""Reads of programmes, tasks and reports, filtered by what the user may see.

The programme office (anyone who sees the issuer) sees the whole programme; a responsible unit sees
the tasks it leads or supports and its own reports. Nobody sees anything of a school here: tasks and
reports hang on authorities and departments only.
"""
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from config.params import id_or_404
from inspections.campaigns.services import campaigns_visible_to
from inspections.visits.selectors import campaigns_in_view
from organizations import policy

from .models import Indicator, IndicatorValue, Programme, ProgrammeTask, ProgressReport


def _task_scope(user) -> Q:
    seen = policy.visible_orgs(user)
    return Q(programme__issuer__in=seen) | Q(lead_unit__in=seen) | Q(co_units__in=seen)


def tasks_visible_to(user) -> QuerySet[ProgrammeTask]:
    ids = ProgrammeTask.objects.filter(_task_scope(user)).values("pk")
    return ProgrammeTask.objects.filter(pk__in=ids)


def programmes_visible_to(user) -> QuerySet[Programme]:
    seen = policy.visible_orgs(user)
    return Programme.objects.filter(Q(issuer__in=seen) | Q(pk__in=tasks_visible_to(user).values("programme")))


def reports_visible_to(user) -> QuerySet[ProgressReport]:
    seen = policy.visible_orgs(user)
    return ProgressReport.objects.filter(Q(task__programme__issuer__in=seen) | Q(unit__in=seen))


def _one(queryset, pk):
    found = queryset.filter(pk=id_or_404(pk)).first()
    if found is None:
        raise Http404
    return found


def get_programme_for_user(user, pk) -> Programme:
    return _one(programmes_visible_to(user), pk)


def get_task_for_user(user, pk) -> ProgrammeTask:
    return _one(tasks_visible_to(user).select_related("programme__issuer", "lead_unit"), pk)


def get_report_for_user(user, pk) -> ProgressReport:
    return _one(reports_visible_to(user).select_related("task__programme__issuer", "unit", "submitted_by"), pk)


def board_tasks(user, programme: Programme) -> QuerySet[ProgrammeTask]:
    """The programme's tasks the user sees, with what the board needs prefetched: indicators, co-units,
    and the reports the user sees (with their values)."""
    return with_reports(tasks_visible_to(user).filter(programme=programme), user)


def with_reports(tasks, user) -> QuerySet[ProgrammeTask]:
    """`all_reports` (every report, newest period first: a visible task's status is no secret) and
    `seen_reports` (those the user may open) on each task."""
    values = Prefetch("values", queryset=IndicatorValue.objects.order_by("pk"))
    newest = ("-period_end", "-pk")
    return (tasks.order_by("programme", "no").select_related("programme__issuer", "lead_unit")
            .prefetch_related(
                Prefetch("indicators", queryset=Indicator.objects.order_by("seq")), "co_units",
                Prefetch("reports", queryset=ProgressReport.objects.order_by(*newest).prefetch_related(values),
                         to_attr="all_reports"),
                Prefetch("reports", queryset=reports_visible_to(user).order_by(*newest).select_related(
                    "unit", "submitted_by"), to_attr="seen_reports")))


# --- plan filing (备案): the office sees every filer; a unit sees its own filings and those below it -------

def filing_requests_visible_to(user):
    from .models import FilingRequest

    seen = policy.visible_orgs(user)
    ids = FilingRequest.objects.filter(Q(programme__issuer__in=seen) | Q(filers__in=seen)).values("pk")
    return FilingRequest.objects.filter(pk__in=ids)


def filings_visible_to(user):
    from .models import PlanFiling

    seen = policy.visible_orgs(user)
    return PlanFiling.objects.filter(Q(request__programme__issuer__in=seen) | Q(filer__in=seen))


def get_filing_request_for_user(user, pk):
    return _one(filing_requests_visible_to(user).select_related("programme__issuer"), pk)


def get_filing_for_user(user, pk):
    return _one(filings_visible_to(user).select_related("request__programme__issuer", "filer__parent",
                                                         "submitted_by"), pk)


def filing_board(user, filing_request) -> list[dict]:
    """One row per filer the user sees: its latest round, whether it is late, how many rounds."""
    seen = policy.visible_orgs(user)
    office = filing_request.programme.issuer in seen
    filers = filing_request.filers.order_by("path")
    if not office:
        filers = filers.filter(pk__in=seen.values("pk"))
    rounds = {}
    for filing in filing_request.filings.order_by("round", "pk"):
        rounds.setdefault(filing.filer_id, []).append(filing)
    return [{"filer": f, "latest": (rounds.get(f.pk) or [None])[-1], "rounds": len(rounds.get(f.pk, []))}
            for f in filers]


def linked_campaigns(user, programme) -> QuerySet:
    """The programme's campaigns the user may see anyway (runs the draw, or sees one of its visits): a linked
    random campaign never tells a school it was drawn before the team checks in."""
    return programme.campaigns.filter(Q(pk__in=campaigns_visible_to(user).order_by().values("pk"))
                                      | Q(pk__in=campaigns_in_view(user).order_by().values("pk"))
                                      ).order_by("-period_start", "pk")
