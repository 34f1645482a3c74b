"""Which visits a person may see. Every page, API call, count and export of visits reads through here.

Confidentiality: a surprise or random visit stays invisible to the school's own
people until the team has checked in — pages, API, counts and notifications.
"""
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm, Role

from inspections.checklists.models import ChecklistTemplate

from inspections.visits.models import Campaign, Visit
from inspections.visits.models import UNANNOUNCED_KINDS


def _still_secret() -> Q:
    return Q(kind__in=UNANNOUNCED_KINDS, checkin_at__isnull=True)


def secret_from_school(visit: Visit) -> bool:
    """The same rule for one visit in hand (webhooks of a school): unannounced and not yet checked in."""
    return visit.kind in UNANNOUNCED_KINDS and visit.checkin_at is None


def visits_visible_to(user) -> QuerySet[Visit]:
    """Authorities see the visits of schools they inspect or lead; others (schools) only announced or begun ones."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Visit.objects.none()
    inspects = policy.orgs_with(user, Perm.INSPECT).values("pk")
    leads = policy.orgs_with(user, Perm.LEAD).values("pk")
    viewable = policy.visible_schools(user).values("pk")
    rule = (Q(school_id__in=inspects) | Q(school_id__in=leads) | Q(members__user=user)
            | (Q(school_id__in=viewable) & ~_still_secret()))
    ids = Visit.objects.filter(rule).values("pk")
    return (Visit.objects.filter(pk__in=ids)
            .select_related("school", "organiser", "template", "campaign"))


def get_visit_for_user(user, pk) -> Visit:
    """Fetch and authorise in one step: a visit the user may not see does not exist for them (404)."""
    try:
        return visits_visible_to(user).get(pk=pk)
    except (Visit.DoesNotExist, ValueError, TypeError):
        raise Http404("visit not found") from None


def campaigns_in_view(user) -> QuerySet[Campaign]:
    """Campaigns offered as filter choices: those with a visit the user may see, so a school learns of a draw
    only when the team has checked in (a campaign's mere presence in a dropdown would tell it)."""
    return (Campaign.objects.filter(visits__in=visits_visible_to(user).values("pk")).distinct()
            .order_by("-period_start", "-pk"))


def todays_visits(user) -> QuerySet[Visit]:
    return visits_visible_to(user).filter(planned_date=timezone.localdate()).order_by("school__name", "pk")


def my_open_visits(user) -> QuerySet[Visit]:
    """Visits that wait for the user: on site for the whole team, the submission for the lead alone
    (the to-dos of inspections.visits.actions: `visit.check_in`, `visit.sign`, `visit.submit`)."""
    on_site = Q(members__user=user, status__in=[Visit.Status.PLANNED, Visit.Status.IN_PROGRESS])
    to_submit = Q(members__user=user, members__is_lead=True, status__in=[Visit.Status.SIGNED, Visit.Status.RETURNED])
    return visits_visible_to(user).filter(on_site | to_submit).distinct().order_by("planned_date", "pk")


def visits_to_review(user) -> QuerySet[Visit]:
    lead_ids = policy.orgs_with(user, Perm.LEAD).values("pk")
    return visits_visible_to(user).filter(status=Visit.Status.SUBMITTED, organiser_id__in=lead_ids)


def visit_counts(user) -> dict:
    """The numbers shown on the today page, computed from the same visible set (no leak through counts)."""
    visible = visits_visible_to(user)
    return {
        "today": visible.filter(planned_date=timezone.localdate()).count(),
        "open": visible.exclude(status__in=[Visit.Status.APPROVED, Visit.Status.CANCELLED]).count(),
        "to_review": visits_to_review(user).count(),
    }


# ---------------------------------------------------------------- planning


def plannable_schools(user) -> QuerySet[Organization]:
    """Schools the user may plan a visit for: those they inspect or lead (the rule of visits.may_plan)."""
    reach = (Q(pk__in=policy.orgs_with(user, Perm.INSPECT).values("pk"))
             | Q(pk__in=policy.orgs_with(user, Perm.LEAD).values("pk")))
    return Organization.objects.filter(reach, kind=Organization.Kind.SCHOOL).order_by("path")


def may_plan_anywhere(user) -> bool:
    return plannable_schools(user).exists()


def team_candidates(school: Organization) -> QuerySet:
    """Inspectors who may inspect the school: the role held at the school's district, city or above."""
    return policy.users_with_role(Role.INSPECTOR, school)


def planned_visits_of_my_organisations(user) -> QuerySet[Visit]:
    """Visits not yet begun that were organised by an authority the user inspects or leads (or one below it)."""
    mine = (Q(organiser_id__in=policy.orgs_with(user, Perm.INSPECT).values("pk"))
            | Q(organiser_id__in=policy.orgs_with(user, Perm.LEAD).values("pk")))
    return (visits_visible_to(user).filter(mine, status=Visit.Status.PLANNED)
            .order_by("planned_date", "school__name", "pk"))


# ---------------------------------------------------------------- checklist templates


def checklists_visible_to(user) -> QuerySet[ChecklistTemplate]:
    """For admins only: the shared templates (no owner) and those owned within their reach."""
    managed = policy.orgs_with(user, Perm.MANAGE)
    if not managed.exists():
        return ChecklistTemplate.objects.none()
    return (ChecklistTemplate.objects.filter(Q(owner__isnull=True) | Q(owner_id__in=managed.values("pk")))
            .select_related("owner").order_by("code", "-version"))


def get_checklist_for_user(user, pk) -> ChecklistTemplate:
    try:
        return checklists_visible_to(user).get(pk=pk)
    except (ChecklistTemplate.DoesNotExist, ValueError, TypeError):
        raise Http404("checklist not found") from None
