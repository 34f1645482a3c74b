"""双随机: drawing schools and inspector teams for a campaign, reproducibly, with recusal.

`inspections.campaigns.draw_algorithm.draw(...)` is a pure function of its inputs and seed: it reads no database,
no clock and no global random state (only `random.Random(seed)`), so the
stored record of a draw (seed + inputs JSON) computes the same result again.

Recusal: an inspector never goes to a school inside one of their own
organisation roots (`own_org_of`), nor to a school on their conflict list.
Own roots (computed by `own_roots`): for a district inspector the district's
whole subtree; for a city (or province) inspector the schools run directly by
that authority (市属学校), because every school of the city is below the city
and the conflict the rule guards against is supervising one's own unit.
An inspector also only goes where they may inspect at all (`reach_of`), so
every drawn team can be planned as a visit.

Weighting (optional): weight(school) = 1 + 2 × open clues + min(past findings
in the last 3 years, 10). Targets are picked by weighted sampling without
replacement (Efraimidis–Spirakis: key = u^(1/w), highest keys win), which with
all weights 1 is a uniform sample.
"""
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications import events
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm, Role
from workflows.calendar import due_after

from inspections.audit.services import audit
from inspections.campaigns.draw_algorithm import ALGORITHM, MIN_TEAM, draw_from_record, new_seed, target_weight
from inspections.idempotency.services import server_uuid
from inspections.campaigns.models import Conflict, Draw, DrawAssignment
from inspections.clues.models import Clue
from inspections.orders.models import Finding
from inspections.visits.models import Campaign
from inspections.campaigns.models import FrozenDrawError
from inspections.campaigns.risk import explained, risk_inputs
from inspections.visits.models import Kind
from inspections.visits.services import current_template, visit_plan


# ---------------------------------------------------------------- services (database side)

FINDINGS_YEARS = 3


def may_run_draws(user, campaign: Campaign) -> bool:
    return policy.can(user, Perm.LEAD, campaign.organiser)


def own_roots(user) -> list[str]:
    """Path prefixes of the schools this inspector must recuse from (see the module docstring)."""
    roots = []
    for m in policy.roles_of(user):
        if m.role != Role.INSPECTOR:
            continue
        org = m.organization
        if org.kind in (Organization.Kind.CITY, Organization.Kind.PROVINCE):
            roots += [s.path for s in org.children.filter(kind=Organization.Kind.SCHOOL)]
        else:
            roots.append(org.path)
    return sorted(set(roots))


def reach_roots(user) -> list[str]:
    return sorted({m.organization.path for m in policy.roles_of(user) if m.role == Role.INSPECTOR})


def target_pool(*, campaign: Campaign, under: Organization | None = None, school_level: str = ""):
    """Schools a campaign may draw from: its chosen schools, else every active school below the organiser."""
    root = under if under is not None and under.path.startswith(campaign.organiser.path) else campaign.organiser
    schools = Organization.objects.filter(kind=Organization.Kind.SCHOOL, is_active=True, path__startswith=root.path)
    if campaign.target_schools.exists():
        schools = schools.filter(pk__in=campaign.target_schools.values("pk"))
    if school_level:
        schools = schools.filter(school_level=school_level)
    return schools.order_by("pk")


def inspector_pool(*, campaign: Campaign):
    """Everyone holding the inspector role at the organiser or below it."""
    return (get_user_model().objects.filter(
        is_active=True, memberships__role=Role.INSPECTOR,
        memberships__organization__path__startswith=campaign.organiser.path).distinct().order_by("pk"))


def weights_for(schools) -> dict[str, dict]:
    """Per school: open clues, findings of the last three years, and the weight the formula gives."""
    since = timezone.now() - dt.timedelta(days=365 * FINDINGS_YEARS)
    ids = [s.pk for s in schools]
    clues = dict(Clue.objects.filter(school_id__in=ids).exclude(status=Clue.Status.CLOSED)
                 .values_list("school_id").annotate(c=Count("pk")))
    found = dict(Finding.objects.filter(school_id__in=ids, found_at__gte=since)
                 .values_list("school_id").annotate(c=Count("pk")))
    return {str(i): {"open_clues": clues.get(i, 0), "past_findings": found.get(i, 0),
                     "weight": target_weight(open_clues=clues.get(i, 0), past_findings=found.get(i, 0))}
            for i in ids}


def build_inputs(*, schools, inspectors, n=None, percent=None, team_size=MIN_TEAM, weighted=False,
                 risk_weights: dict | None = None) -> dict:
    """Everything the draw reads, as JSON, so that the record alone can repeat it.

    Weighted with the campaign's risk weights set: the risk scores (inspections.campaigns.risk) replace the
    plain formula, and the weights, factors and scores are recorded as `risk`."""
    schools, inspectors = list(schools), list(inspectors)
    if weighted and risk_weights:
        return {**build_inputs(schools=schools, inspectors=inspectors, n=n, percent=percent, team_size=team_size),
                **risk_inputs([s.pk for s in schools], risk_weights, timezone.now())}
    basis = weights_for(schools) if weighted else None
    return {
        "algorithm": ALGORITHM,
        "targets": [{"id": s.pk, "path": s.path, "name": s.name} for s in schools],
        "inspectors": [u.pk for u in inspectors],
        "inspector_names": {str(u.pk): u.get_full_name() or u.username for u in inspectors},
        "n": n, "percent": percent, "team_size": team_size,
        "own_org_of": {str(u.pk): own_roots(u) for u in inspectors},
        "reach_of": {str(u.pk): reach_roots(u) for u in inspectors},
        "conflicts": sorted([i, s] for i, s in Conflict.objects.filter(
            inspector__in=inspectors, school__in=schools).values_list("inspector_id", "school_id")),
        "weights": {k: v["weight"] for k, v in basis.items()} if basis else None,
        "weights_basis": basis,
    }


def _check_pools(campaign: Campaign, schools, inspectors) -> None:
    if not schools:
        raise ValidationError({"targets": _("检查对象库为空。")})
    if any(not s.is_school or not s.path.startswith(campaign.organiser.path) for s in schools):
        raise ValidationError({"targets": _("检查对象必须是本机构所辖学校。")})
    if len(inspectors) < MIN_TEAM:
        raise ValidationError({"inspectors": _("督学库至少需要 2 名督学。")})


@transaction.atomic
def draw_create(*, campaign: Campaign, user, schools, inspectors, n: int | None = None,
                percent: float | None = None, team_size: int = MIN_TEAM, weighted: bool = False,
                seed: str | None = None, supersedes: Draw | None = None, reason: str = "") -> Draw:
    """Run a draw and keep it as a draft record (seed, inputs, result, who ran it)."""
    if not may_run_draws(user, campaign):
        raise PermissionDenied(_("只有组织机构的督导领导可以进行随机抽取。"))
    schools, inspectors = list(schools), list(inspectors)
    _check_pools(campaign, schools, inspectors)
    inputs = build_inputs(schools=schools, inspectors=inspectors, n=n, percent=percent, team_size=team_size,
                          weighted=weighted, risk_weights=campaign.risk_weights)
    seed = (seed or "").strip() or new_seed()
    result = draw_from_record(seed=seed, inputs=inputs)
    record = Draw.objects.create(campaign=campaign, seed=seed, inputs=inputs, result=result, created_by=user,
                                 supersedes=supersedes, redraw_reason=reason)
    audit(actor=user, action="draw.redraw" if supersedes else "draw.create", obj=record,
          organization=campaign.organiser,
          after={"seed": seed, "k": result["k"], "supersedes": supersedes.pk if supersedes else None,
                 "reason": reason})
    return record


def _locked(record: Draw) -> Draw:
    return Draw.objects.select_for_update(of=("self",)).select_related("campaign__organiser").get(pk=record.pk)


def _require_draft(record: Draw) -> None:
    if record.is_published:
        raise FrozenDrawError(_("已公布的抽取结果不能修改。"), code="conflict")


def draw_verify(record: Draw) -> bool:
    """Does the stored record still compute the stored result?"""
    return draw_from_record(seed=record.seed, inputs=record.inputs) == record.result


def visit_date_for(campaign: Campaign) -> dt.date:
    return max(campaign.period_start, timezone.localdate())


def _plan_visits(record: Draw, user) -> list[DrawAssignment]:
    """One random visit per drawn school through the visits service; the team is the drawn one."""
    people = get_user_model().objects.in_bulk(record.inputs["inspectors"])
    schools = Organization.objects.in_bulk([row["school"] for row in record.result["assignments"]])
    rows = []
    for row in record.result["assignments"]:
        school, team = schools[row["school"]], [people[i] for i in row["team"]]
        visit = visit_plan(school=school, planned_date=visit_date_for(record.campaign), lead=people[row["lead"]],
                           planned_by=user, kind=Kind.RANDOM, members=team, campaign=record.campaign,
                           client_uuid=server_uuid("draw-visit", f"{record.pk}-{school.pk}"))
        rows += [DrawAssignment(draw=record, school=school, inspector=u, is_lead=(u.pk == row["lead"]), visit=visit)
                 for u in team]
    return rows


@transaction.atomic
def draw_publish(*, draw: Draw, user) -> Draw:
    """Freeze the draw, plan its visits and make the result public; refused once published."""
    record = _locked(draw)
    if not may_run_draws(user, record.campaign):
        raise PermissionDenied(_("只有组织机构的督导领导可以公布抽取结果。"))
    _require_draft(record)
    if not draw_verify(record):
        raise ValidationError(_("抽取记录与结果不一致，不能公布。"))
    if record.supersedes_id and Draw.objects.filter(supersedes=record.supersedes).exclude(pk=record.pk).filter(
            status=Draw.Status.PUBLISHED).exists():
        raise ValidationError(_("该结果已被另一次重新抽取取代。"))
    DrawAssignment.objects.bulk_create(_plan_visits(record, user))
    record.status, record.published_by, record.published_at = Draw.Status.PUBLISHED, user, timezone.now()
    record.save(update_fields=["status", "published_by", "published_at"])
    audit(actor=user, action="draw.publish", obj=record, organization=record.campaign.organiser,
          after={"seed": record.seed, "assignments": record.result["assignments"]})
    return record


@transaction.atomic
def draw_redraw(*, draw: Draw, user, reason: str, seed: str | None = None) -> Draw:
    """A new draw over the same pools with a fresh seed and today's conflict register; the old record stays."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("重新抽取必须说明理由。")})
    old = _locked(draw)
    if Draw.objects.filter(supersedes=old).exists():
        raise ValidationError(_("该抽取已有重新抽取记录。"))
    inputs = old.inputs
    schools = Organization.objects.filter(pk__in=[t["id"] for t in inputs["targets"]]).order_by("pk")
    inspectors = get_user_model().objects.filter(pk__in=inputs["inspectors"]).order_by("pk")
    return draw_create(campaign=old.campaign, user=user, schools=schools, inspectors=inspectors,
                       n=inputs.get("n"), percent=inputs.get("percent"), team_size=inputs.get("team_size", MIN_TEAM),
                       weighted=bool(inputs.get("weights")), seed=seed, supersedes=old, reason=reason)


def current_draw(campaign: Campaign) -> Draw | None:
    """The published draw in force: the latest published one not superseded by another published one."""
    published = campaign.draws.filter(status=Draw.Status.PUBLISHED)
    return published.exclude(superseded_by__status=Draw.Status.PUBLISHED).order_by("-published_at").first()


# ---------------------------------------------------------------- conflicts register


def may_manage_conflicts(user, school: Organization) -> bool:
    return policy.can(user, Perm.MANAGE, school)


@transaction.atomic
def conflict_register(*, inspector, school: Organization, reason: str, user) -> Conflict:
    if not may_manage_conflicts(user, school):
        raise PermissionDenied(_("只有管理员可以维护回避登记。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写回避理由。")})
    conflict, _created = Conflict.objects.update_or_create(
        inspector=inspector, school=school, defaults={"reason": reason.strip(), "created_by": user})
    audit(actor=user, action="conflict.register", obj=conflict, organization=school,
          after={"inspector": inspector.pk, "reason": conflict.reason})
    return conflict


@transaction.atomic
def conflict_remove(*, conflict: Conflict, user) -> None:
    if not may_manage_conflicts(user, conflict.school):
        raise PermissionDenied(_("只有管理员可以维护回避登记。"))
    audit(actor=user, action="conflict.remove", obj=conflict, organization=conflict.school,
          before={"inspector": conflict.inspector_id, "reason": conflict.reason})
    conflict.delete()


def draws_visible_to(user):
    """Draw records (with inputs and the conflict data they hold) are for the organiser's leaders and admins."""
    lead = policy.orgs_with(user, Perm.LEAD).values("pk")
    manage = policy.orgs_with(user, Perm.MANAGE).values("pk")
    return (Draw.objects.filter(Q(campaign__organiser_id__in=lead) | Q(campaign__organiser_id__in=manage))
            .select_related("campaign", "created_by", "published_by").distinct())


def get_draw_for_user(user, pk) -> Draw:
    try:
        return draws_visible_to(user).get(pk=pk)
    except (Draw.DoesNotExist, ValueError, TypeError):
        raise Http404("draw not found") from None


# ---------------------------------------------------------------- random-draw campaigns


@transaction.atomic
def campaign_create(*, title: str, organiser: Organization, user, period_start: dt.date, period_end: dt.date,
                    template=None) -> Campaign:
    """A 双随机 campaign (kind=random) of an authority, planned by one of its leaders."""
    if not policy.can(user, Perm.LEAD, organiser) or organiser.is_school:
        raise PermissionDenied(_("只有督导领导可以创建专项检查。"))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写名称。")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("结束日期不能早于开始日期。")})
    campaign = Campaign.objects.create(title=title, kind=Kind.RANDOM, organiser=organiser, created_by=user,
                                       period_start=period_start, period_end=period_end,
                                       template=template or current_template())
    audit(actor=user, action="campaign.create", obj=campaign, organization=organiser,
          after={"title": title, "period": [period_start.isoformat(), period_end.isoformat()]})
    return campaign


def campaigns_visible_to(user):
    lead = policy.orgs_with(user, Perm.LEAD).values("pk")
    manage = policy.orgs_with(user, Perm.MANAGE).values("pk")
    return (Campaign.objects.filter(Q(organiser_id__in=lead) | Q(organiser_id__in=manage), kind=Kind.RANDOM)
            .select_related("organiser").distinct())


def get_campaign_for_user(user, pk) -> Campaign:
    try:
        return campaigns_visible_to(user).get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404("campaign not found") from None


def public_results(campaign: Campaign) -> dict | None:
    """What the public page (一公开) shows: campaign, drawn schools, team names, dates, outcome — nothing else."""
    record = current_draw(campaign)
    if record is None or campaign.results_published_at is None:
        return None  # nothing is public until a leader publishes the results
    rows, risk = [], record.inputs.get("risk") or {}
    drawn = campaign.visits.filter(kind=Kind.RANDOM, pk__in=record.assignments.values("visit"))
    # A random visit is unannounced: a school appears here only once its team has checked in.
    for visit in drawn.filter(checkin_at__isnull=False).select_related(
            "school").prefetch_related("members__user").order_by("school__name", "pk"):
        team = sorted(visit.members.all(), key=lambda m: (not m.is_lead, m.user_id))
        rows.append({"school": visit.school.name, "date": visit.planned_date,
                     "team": [m.user.get_full_name() or m.user.username for m in team],
                     "outcome": public_outcome(visit),
                     # a risk-weighted draw explains itself: the school's recorded factors and score
                     "risk": explained(risk.get("factors", {}).get(str(visit.school_id))),
                     "score": risk.get("scores", {}).get(str(visit.school_id))})
    return {"campaign": campaign.title, "organiser": campaign.organiser.name, "risk_weights": explained(risk.get("weights")),
            "published_at": campaign.results_published_at,
            "period": (campaign.period_start, campaign.period_end), "rows": rows,
            "not_yet_visited": drawn.filter(checkin_at__isnull=True).count()}


def public_outcome(visit) -> str:
    """pending / pass / findings / rectified, from the visit and its orders; no finding details."""
    if visit.status != visit.Status.APPROVED:
        return "pending"
    if not visit.findings.filter(needs_rectification=True).exists():
        return "pass"
    open_orders = visit.orders.exclude(status="closed").exists()
    return "findings" if open_orders or not visit.orders.exists() else "rectified"


# ---------------------------------------------------------------- publication of results (一公开)

PUBLICATION_DAYS = 20


def last_visit_day(campaign: Campaign) -> dt.date | None:
    """The latest day of the current draw's visits: planned date, or the check-in day when that came later."""
    record = current_draw(campaign)
    if record is None:
        return None
    days = []
    for planned, checkin in campaign.visits.filter(pk__in=record.assignments.values("visit")).values_list(
            "planned_date", "checkin_at"):
        days.append(max(planned, timezone.localdate(checkin)) if checkin else planned)
    return max(days, default=None)


def publication_due(campaign: Campaign) -> dt.datetime | None:
    """Results are due PUBLICATION_DAYS working days after the last visit; None while nothing was drawn."""
    last = last_visit_day(campaign)
    return due_after(last, PUBLICATION_DAYS).due_at if last else None


def may_publish_results(user, campaign: Campaign) -> bool:
    return policy.can(user, Perm.LEAD, campaign.organiser)


@transaction.atomic
def results_publish(*, campaign: Campaign, user) -> Campaign:
    """Make the campaign's results public; publishing twice changes nothing and writes no second audit event."""
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("organiser").get(pk=campaign.pk)
    if not may_publish_results(user, campaign):
        raise PermissionDenied(_("只有组织机构的督导领导可以公布检查结果。"))
    if campaign.results_published_at is not None:
        return campaign
    if current_draw(campaign) is None:
        raise ValidationError(_("尚未公布抽取结果，不能公布检查结果。"))
    campaign.results_published_at, campaign.results_published_by = timezone.now(), user
    campaign.save(update_fields=["results_published_at", "results_published_by"])
    audit(actor=user, action="campaign.results_publish", obj=campaign, organization=campaign.organiser,
          after={"published_at": campaign.results_published_at.isoformat()})
    events.emit(events.CAMPAIGN_RESULTS_PUBLISHED, target=campaign, actor=user)
    return campaign


def remind_due_publications(now: dt.datetime | None = None) -> int:
    """Remind the organiser's leaders once when the publication deadline has passed unpublished."""
    now = now or timezone.now()
    reminded = 0
    pending = Campaign.objects.filter(kind=Kind.RANDOM, results_published_at__isnull=True,
                                      results_reminded_at__isnull=True, draws__status=Draw.Status.PUBLISHED)
    for campaign in pending.select_related("organiser").distinct():
        due = publication_due(campaign)
        if due is not None and now > due and _claim_reminder(campaign, now):
            _notify_publication_due(campaign, due)
            reminded += 1
    return reminded


@transaction.atomic
def _claim_reminder(campaign: Campaign, now: dt.datetime) -> bool:
    # A conditional update, so two schedulers running at once still remind only once.
    return bool(Campaign.objects.filter(pk=campaign.pk, results_reminded_at__isnull=True)
                .update(results_reminded_at=now))


def _notify_publication_due(campaign: Campaign, due: dt.datetime) -> None:
    events.emit(events.CAMPAIGN_PUBLICATION_DUE, target=campaign,
                body=events.Message(gettext_noop("公布期限：%(due)s"), {"due": timezone.localtime(due).strftime("%Y-%m-%d")}))
