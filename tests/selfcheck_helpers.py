"""A district campaign that asks its schools to inspect themselves, and a school's self-inspection walked
through as its staff and leader."""
import datetime as dt

from django.utils import timezone

from inspections.checklists.services import checklist_load_standard
from inspections.models import Campaign, ChecklistItem
from inspections.visits.models import Kind
from selfchecks import services


def items(campaign) -> list:
    return list(ChecklistItem.objects.filter(section__template=campaign.template).order_by("section__order", "order"))


def campaign_with_request(people, tree, *, organiser=None):
    template = checklist_load_standard()
    today = timezone.localdate()
    campaign = Campaign.objects.create(title="2026年教学标准专项检查", kind=Kind.SPECIAL,
                                       organiser=organiser or tree.district_a, template=template,
                                       period_start=today, period_end=today + dt.timedelta(days=60))
    leader = people.district_leader if campaign.organiser == tree.district_a else people.city_leader
    request = services.request_create(campaign=campaign, user=leader, due_date=today + dt.timedelta(days=10),
                                      note="请对照检查表开展自查")
    return campaign, request


def signed_selfcheck(people, tree, request, *, failed_item, passed_items=()):
    """School A's staff fail one item with a self-found problem, pass others, submit; the leader signs."""
    selfcheck = services.selfcheck_start(request=request, school=tree.school_a, user=people.school_staff)
    for item in passed_items:
        services.result_record(selfcheck=selfcheck, user=people.school_staff, item=item.pk, result="pass")
    services.result_record(selfcheck=selfcheck, user=people.school_staff, item=failed_item.pk, result="fail")
    services.finding_record(selfcheck=selfcheck, user=people.school_staff, item=failed_item.pk,
                            description="实训室安全标识缺失")
    services.selfcheck_submit(selfcheck=selfcheck, user=people.school_staff, summary="本校已完成自查，发现1个问题。")
    return services.selfcheck_sign(selfcheck=selfcheck, user=people.school_leader, approve=True)
