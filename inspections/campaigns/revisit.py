"""回头看: a campaign that revisits the schools whose rectification orders were closed N months ago, to check
that what was fixed stayed fixed.

The pool is taken when the campaign is made (its `target_schools`): schools with an order closed between
N + WINDOW_MONTHS and N months before today. On the revisit a finding on the same checklist item as a
finding of such a closed order is a re-opened finding; within a year of the earlier one it is also a
repeat finding in the statistics (inspections.stats.repeat_findings), which is the one definition of repeat.
"""
import calendar
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm
from workflows.calendar import SHANGHAI

from inspections.audit.services import audit
from inspections.orders.models import Finding, RectificationOrder
from inspections.visits.models import Campaign
from inspections.visits.models import Kind
from inspections.visits.services import current_template

WINDOW_MONTHS = 12
MAX_MONTHS = 36


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def closed_orders(*, organiser: Organization, months: int, today: dt.date | None = None):
    """Orders below `organiser` closed between months + WINDOW_MONTHS and `months` months before today."""
    today = today or timezone.localdate()
    start = dt.datetime.combine(months_before(today, months + WINDOW_MONTHS), dt.time.min, tzinfo=SHANGHAI)
    end = dt.datetime.combine(months_before(today, months) + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    return RectificationOrder.objects.filter(status=RectificationOrder.Status.CLOSED, closed_at__gte=start,
                                             closed_at__lt=end, school__path__startswith=organiser.path)


def _check(*, title: str, organiser: Organization, user, period_start, period_end, months) -> None:
    if not policy.can(user, Perm.LEAD, organiser) or organiser.is_school:
        raise PermissionDenied(_("只有督导领导可以创建专项检查。"))
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写名称。")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("结束日期不能早于开始日期。")})
    if not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise ValidationError({"months": _("销号后月数应在 1 到 %(max)d 之间。") % {"max": MAX_MONTHS}})


@transaction.atomic
def revisit_campaign_create(*, title: str, organiser: Organization, user, period_start: dt.date,
                            period_end: dt.date, months: int, template=None) -> Campaign:
    """A 回头看 campaign whose targets are the schools with orders closed `months` months ago."""
    _check(title=title, organiser=organiser, user=user, period_start=period_start, period_end=period_end,
           months=months)
    schools = Organization.objects.filter(pk__in=closed_orders(organiser=organiser, months=months).values("school"))
    if not schools.exists():
        raise ValidationError({"months": _("没有在该时间销号的整改通知书，无需回头看。")})
    campaign = Campaign.objects.create(title=title.strip(), kind=Kind.SPECIAL, organiser=organiser, created_by=user,
                                       period_start=period_start, period_end=period_end, revisit_months=months,
                                       template=template or current_template())
    campaign.target_schools.set(schools)
    audit(actor=user, action="campaign.revisit_create", obj=campaign, organization=organiser,
          after={"months": months, "schools": sorted(schools.values_list("pk", flat=True))})
    return campaign


def revisit_campaigns_visible_to(user):
    lead = policy.orgs_with(user, Perm.LEAD).values("pk")
    manage = policy.orgs_with(user, Perm.MANAGE).values("pk")
    return (Campaign.objects.filter(Q(organiser_id__in=lead) | Q(organiser_id__in=manage), revisit_months__isnull=False)
            .select_related("organiser").distinct())


def get_revisit_campaign_for_user(user, pk) -> Campaign:
    try:
        return revisit_campaigns_visible_to(user).get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404("campaign not found") from None


def revisit_targets(campaign: Campaign) -> list[dict]:
    """Per target school: the closed findings to look at again, and those the revisit found again (re-opened)."""
    closed = (Finding.objects.filter(order__status=RectificationOrder.Status.CLOSED,
                                     school__in=campaign.target_schools.all(), order__closed_at__lt=campaign.created_at)
              .select_related("item", "order"))
    again = set(Finding.objects.filter(visit__campaign=campaign, item__isnull=False)
                .values_list("school_id", "item_id"))
    rows = {}
    for finding in closed.order_by("school__path", "found_at"):
        row = rows.setdefault(finding.school_id, {"school": finding.school_id, "closed": [], "reopened": []})
        row["closed"].append(finding)
        if finding.item_id and (finding.school_id, finding.item_id) in again:
            row["reopened"].append(finding)
    return list(rows.values())
