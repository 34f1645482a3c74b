"""An order's history in words: each audit event as a sentence in the reader's language, with who and where.

"2026-12-02 10:14 长清区教体局 赵督学 下发整改通知书". The raw action codes stay in the audit viewer; a
code this table does not know yet is told as a plain "updated the order", never shown raw.
"""
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import pgettext_lazy

from organizations.models import Membership

from inspections.language import in_language
from inspections.audit.models import AuditEvent

SENTENCES = {
    "order.issued": pgettext_lazy("timeline", "下发整改通知书"),
    "order.signed": pgettext_lazy("timeline", "签收整改通知书"),
    "order.sign_reminder": pgettext_lazy("timeline", "提醒学校尽快签收"),
    "order.deadline_reminder": pgettext_lazy("timeline", "提醒：距整改期限还有 %(working_days_left)s 个工作日"),
    "order.overdue": pgettext_lazy("timeline", "整改逾期（第 %(overdue_count)s 次）"),
    "order.recheck_overdue": pgettext_lazy("timeline", "复查超过期限"),
    "order.city_supervised": pgettext_lazy("timeline", "作出市级督办意见"),
    "report.submitted": pgettext_lazy("timeline", "提交整改报告"),
    "report.approved": pgettext_lazy("timeline", "审核通过整改报告，报督导部门复查"),
    "report.returned": pgettext_lazy("timeline", "退回整改报告"),
    "recheck.pass": pgettext_lazy("timeline", "复查通过"),
    "recheck.fail": pgettext_lazy("timeline", "复查未通过，进入下一轮整改"),
    "extension.requested": pgettext_lazy("timeline", "申请延期"),
    "extension.approved": pgettext_lazy("timeline", "批准延期"),
    "extension.rejected": pgettext_lazy("timeline", "不批准延期"),
    "closure.returned": pgettext_lazy("timeline", "退回销号申请"),
}
ESCALATED = {1: pgettext_lazy("timeline", "升级为区县督办"), 2: pgettext_lazy("timeline", "升级为市级挂牌督办")}
CLOSURE = {"closure_review": pgettext_lazy("timeline", "区县审批销号"), "city_review": pgettext_lazy("timeline", "市级审批销号")}


@dataclass(frozen=True)
class Entry:
    at: datetime
    organization: str
    person: str
    sentence: str
    note: str

    def __str__(self):
        when = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M")
        return " ".join(part for part in (when, self.organization, self.person, self.sentence) if part)


def sentence(event: AuditEvent) -> str:
    after, before = event.after or {}, event.before or {}
    if event.action == "order.escalated":
        return str(ESCALATED.get(after.get("escalation_level"), pgettext_lazy("timeline", "调整督办级别")))
    if event.action == "closure.approved":
        return str(CLOSURE.get(before.get("status"), pgettext_lazy("timeline", "审批销号")))
    template = SENTENCES.get(event.action)
    if template is None:
        return str(pgettext_lazy("timeline", "更新整改通知书"))
    try:
        return str(template) % after if "%(" in str(template) else str(template)
    except (KeyError, TypeError, ValueError):  # an old event without the parameter: say it without the number
        return str(template).split("%(")[0].rstrip("：: （(")


def _homes(actor_ids) -> dict[int, str]:
    """Each person's organisation for the timeline (the highest where they hold a role), in one query."""
    homes: dict[int, str] = {}
    rows = Membership.objects.filter(user_id__in=actor_ids).select_related("organization")
    for membership in rows.order_by("organization__path"):
        homes.setdefault(membership.user_id, in_language(membership.organization, "name"))
    return homes


def _person(actor) -> str:
    if actor is None:
        return str(pgettext_lazy("timeline", "系统"))
    return actor.get_full_name() or actor.first_name or actor.username


def _note(event: AuditEvent) -> str:
    # Only people type notes; the system's own "reason" values are codes, told by the sentence instead.
    if event.actor_id is None:
        return ""
    after = event.after or {}
    return str(after.get("note") or after.get("reason") or "")[:500]


def order_events(order) -> list[AuditEvent]:
    return list(order.audit_events.select_related("actor").order_by("created_at", "id"))


def order_timeline(order, events: list[AuditEvent] | None = None) -> list[Entry]:
    """The order's events (or those given, read by `order_events`), oldest first, as sentences;
    one query for the people's organisations whatever their number."""
    events = order_events(order) if events is None else events
    homes = _homes({e.actor_id for e in events if e.actor_id})
    return [Entry(e.created_at, homes.get(e.actor_id, ""), _person(e.actor), sentence(e), _note(e)) for e in events]
