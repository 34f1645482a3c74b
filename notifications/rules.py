"""Who is told what: one Rule per event of `notifications.events`.

Recipients are found only through organizations.policy (roles held at the
school, its district, its city); whoever is told that it is their turn to act
on an order is who the action policy calls on (inspections.orders.actions.actors), and
the thresholds come from inspections.thresholds. `events.emit` then drops
anyone who cannot see the target's school, so a rule can never leak an order
to an outsider.
Titles are written in Chinese (the source language) with the order number.
The table is this module's RULES, every row of it; the action-plan rows take their recipients and titles from
notifications.rules_programmes, the row's shape is notifications.rule_kinds.
"""
from collections.abc import Callable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop

from inspections import thresholds

from inspections.orders import actions
from organizations import policy
from organizations.roles import Role
from workflows.calendar import SHANGHAI

from . import event_names as ev
from .rule_kinds import Message, Rule, page_path as _path
from .rules_programmes import (  # the action-plan rows' recipients and titles
    T_FILING_ACCEPTED, T_FILING_OVERDUE, T_FILING_RETURNED, T_FILING_TO_REVIEW, T_PROGRAMME_ACCEPTED,
    T_PROGRAMME_LAGGING, T_PROGRAMME_MISSING, T_PROGRAMME_OVERDUE, T_PROGRAMME_RETURNED, T_PROGRAMME_TO_REVIEW,
    T_PROGRAMME_TO_SIGN, T_SELFCHECK_RETURNED, T_SELFCHECK_SIGNED, T_SELFCHECK_TO_SIGN, filing_link,
    filing_title, programme_report_link, programme_task_link, programme_title, scorecard_link, scorecard_title,
    selfcheck_link, selfcheck_title, to_filer_leaders, to_filing_reviewers, to_programme_report_author,
    to_report_reviewers, to_report_signers, to_scorecard_leaders, to_selfcheck_signers, to_selfcheck_submitter,
    to_task_supervisors, to_unit_people,
)


# --- what a target is about ------------------------------------------------

def order_of(target):
    """The order an event is about: the target itself, or the order of a report/extension/recheck."""
    return getattr(target, "order", None) or target


def school_of(target):
    """The organisation whose visibility bounds the recipients: the school when there is one.

    Rows added by other apps (clues) may have no school; then the owning
    authority (district / organiser / organisation) bounds them instead.
    """
    if hasattr(target, "planned_date"):  # a Visit
        return target.school
    subject = order_of(target)
    if hasattr(subject, "notification_scope"):  # a target that says where its viewers are
        return subject.notification_scope()
    for attr in ("school", "district", "organiser", "organization"):
        org = getattr(subject, attr, None)
        if org is not None:
            return org
    return None


def district_of(school):
    """The district above a school; a school directly under the city answers to the city."""
    return school.nearest("district") or school.nearest("city")


def city_of(school):
    return school.nearest("city")


def order_link(target, context) -> str:
    order = order_of(target)
    return _path("orders:detail", order.pk, f"/orders/{order.pk}/")


def visit_link(target, context) -> str:
    return _path("visits:detail", target.pk, f"/visits/{target.pk}/")


# --- groups of people -------------------------------------------------------

def school_people(school) -> list:
    """The school's staff and its leader."""
    people = policy.users_by_role_at([Role.SCHOOL_STAFF, Role.SCHOOL_LEADER], school)
    return people[Role.SCHOOL_STAFF] + people[Role.SCHOOL_LEADER]


def school_leaders(school) -> list:
    return list(policy.users_with_role_at(Role.SCHOOL_LEADER, school))


def district_leaders(school) -> list:
    return list(policy.users_with_role_at(Role.LEADER, district_of(school)))


def district_inspectors(school) -> list:
    """Inspectors who reach the school's district (its own and the city's)."""
    return list(policy.users_with_role(Role.INSPECTOR, district_of(school)))


def city_leaders(school) -> list:
    city = city_of(school)
    return list(policy.users_with_role_at(Role.LEADER, city)) if city else []


def report_author(target, context):
    """The author of the report in question: context['report'], the target, or the order's latest."""
    report = context.get("report")
    if report is None and hasattr(target, "measures"):
        report = target
    if report is None:
        report = order_of(target).reports.order_by("-round", "-id").first()
    return report.submitted_by if report else None


def extension_of(target, context):
    extension = context.get("extension")
    if extension is None and hasattr(target, "requested_deadline"):
        extension = target
    if extension is None:
        extension = order_of(target).extensions.order_by("-id").first()
    return extension


# --- recipients, one named function per rule --------------------------------

def to_school(target, context):
    return school_people(school_of(target))


def to_actors(action_name: str) -> Callable:
    """Those the action policy calls on to do `action_name` on the order (their turn now)."""
    def recipients(target, context):
        return actions.actors(action_name, order_of(target))

    recipients.__name__ = f"to_actors_of_{action_name.replace('.', '_')}"
    return recipients


def to_issuer_and_reporters(target, context):
    """Signed: the issuing inspector knows it arrived; the school's reporters know they may start."""
    return [order_of(target).issued_by] + actions.actors("order.report", order_of(target))


def to_recheckers(target, context):
    """The inspector who issued the order, and those the action policy calls on to re-check it."""
    order = order_of(target)
    return [order.issued_by] + actions.actors("order.recheck", order)


def to_school_leader_and_district_leaders(target, context):
    school = school_of(target)
    return school_leaders(school) + district_leaders(school)


def to_overdue_recipients(target, context):
    """School and district leaders; from the second overdue on, the city leader too."""
    order, school = order_of(target), school_of(target)
    people = school_leaders(school) + district_leaders(school)
    if thresholds.city_supervision_due_after_overdue(order.overdue_count) \
            or order.escalation_level >= thresholds.CITY_LEVEL:
        people += city_leaders(school)
    return people


def to_report_author(target, context):
    return [report_author(target, context)]


def to_inspectors_and_district_leader(target, context):
    school = school_of(target)
    return district_inspectors(school) + district_leaders(school)


def to_closure_recipients(target, context):
    """The school and the issuing inspector; the city leader as well for a major finding."""
    order, school = order_of(target), school_of(target)
    people = school_people(school) + [order.issued_by]
    if thresholds.needs_city_approval(order):
        people += city_leaders(school)
    return people


def to_city_leaders(target, context):
    return city_leaders(school_of(target))


def to_requester_and_school_leader(target, context):
    extension = extension_of(target, context)
    return ([extension.requested_by] if extension else []) + school_leaders(school_of(target))


def to_visit_team(target, context):
    return [m.user for m in target.members.select_related("user")]


def to_clue_leaders(target, context):
    """The responsible authority's leaders (triage, reply, time limits): authority staff only, never a school."""
    return list(policy.users_with_role_at(Role.LEADER, target.district))


def to_clue_inspectors(target, context):
    return list(policy.users_with_role(Role.INSPECTOR, target.district))


def to_organiser_leaders(target, context):
    """The leaders of the authority that organised the visit or the campaign."""
    return list(policy.users_with_role_at(Role.LEADER, target.organiser))


# --- titles -----------------------------------------------------------------

def _order_title(template: str) -> Callable:
    """A title function filling the order number into a (translatable) template."""
    def title(target, context):
        return Message(template, {"number": order_of(target).number})
    return title


def _visit_title(template: str) -> Callable:
    def title(target, context):
        return Message(template, {"school": target.school.name, "date": target.planned_date.isoformat()})
    return title


def clue_ref(clue) -> dict:
    """How a clue is named in titles: its source (a msgid) and number, never who complained."""
    with translation.override(settings.LANGUAGE_CODE):  # the source language's label is the msgid
        source = str(clue.get_source_display())
    return {"source": source, "ref": str(clue.external_ref or clue.pk)}


def _clue_title(template: str) -> Callable:
    def title(target, context):
        return Message(template, clue_ref(target), translated=("source",))
    return title


def clue_link(target, context) -> str:
    return _path("clues:detail", target.pk, f"/clues/{target.pk}/")


def campaign_title(target, context):
    return Message(T_PUBLICATION_DUE, {"title": target.title})


def campaign_link(target, context) -> str:
    return f"/draws/campaigns/{target.pk}/"


def deadline_reminder_title(target, context):
    order = order_of(target)
    due = order.deadline.due_at.astimezone(SHANGHAI).date()
    return Message(T_DEADLINE_REMINDER, {"number": order.number, "date": due.isoformat()})


# Marked for makemessages; stored untranslated with their parameters and translated when read.
T_DEADLINE_REMINDER = gettext_noop("整改通知书 %(number)s 将于 %(date)s 到期，请及时报送整改报告")
T_ISSUED = gettext_noop("整改通知书 %(number)s 已下发，请签收")
T_SIGNED = gettext_noop("整改通知书 %(number)s 已签收，请按期整改并报送整改报告")
T_SIGN_REMINDER = gettext_noop("整改通知书 %(number)s 超过两个工作日未签收")
T_OVERDUE = gettext_noop("整改通知书 %(number)s 已逾期")
T_REPORT_SUBMITTED = gettext_noop("整改通知书 %(number)s 的整改报告待您审核")
T_REPORT_RETURNED = gettext_noop("整改通知书 %(number)s 的整改报告被退回修改")
T_REPORTED = gettext_noop("整改通知书 %(number)s 的整改报告已报送，请复查")
T_RECHECK_OVERDUE = gettext_noop("整改通知书 %(number)s 复查已超期")
T_RECHECK_FAILED = gettext_noop("整改通知书 %(number)s 复查未通过，请继续整改")
T_RECHECK_PASSED = gettext_noop("整改通知书 %(number)s 复查通过，请审批销号")
T_CLOSED = gettext_noop("整改通知书 %(number)s 已销号")
T_CLOSURE_RETURNED = gettext_noop("整改通知书 %(number)s 销号审批被退回，请重新复查")
T_ESCALATED = gettext_noop("整改通知书 %(number)s 已提请督办")
T_CITY_REVIEW = gettext_noop("整改通知书 %(number)s 涉及重大问题，区县已同意销号，待您作市级审批")
T_EXT_REQUESTED = gettext_noop("整改通知书 %(number)s 申请延期，请审批")
T_EXT_DECIDED = gettext_noop("整改通知书 %(number)s 的延期申请已审批")
T_VISIT_ASSIGNED = gettext_noop("您已被安排参加 %(school)s %(date)s 的督导检查")
T_VISIT_SUBMITTED = gettext_noop("%(school)s %(date)s 的督导检查记录待审核")
T_VISIT_RETURNED = gettext_noop("%(school)s %(date)s 的督导检查记录被退回修改")
T_VISIT_APPROVED = gettext_noop("%(school)s %(date)s 的督导检查记录已审核通过")
T_CLUE_REGISTERED = gettext_noop("新线索 %(source)s %(ref)s 待分办")
T_CLUE_TO_VERIFY = gettext_noop("线索 %(source)s %(ref)s 已分办，请核查")
T_CLUE_TO_REPLY = gettext_noop("线索 %(source)s %(ref)s 已核查，请答复反映人")
T_CLUE_OVERDUE = gettext_noop("线索 %(source)s %(ref)s 办理已超时")
T_PUBLICATION_DUE = gettext_noop("请公布随机抽查结果：%(title)s")


# What each event settles: the earlier notifications about the same target whose step it completes.
ORDER_TODO = (ev.ORDER_ISSUED, ev.ORDER_SIGNED, ev.ORDER_SIGN_REMINDER, ev.ORDER_DEADLINE_REMINDER, ev.ORDER_OVERDUE,
              ev.ORDER_REPORT_SUBMITTED, ev.ORDER_REPORT_RETURNED, ev.ORDER_REPORTED, ev.ORDER_RECHECK_OVERDUE,
              ev.ORDER_RECHECK_FAILED, ev.ORDER_RECHECK_PASSED, ev.ORDER_CLOSURE_RETURNED, ev.ORDER_ESCALATED,
              ev.ORDER_CITY_REVIEW, ev.EXTENSION_REQUESTED, ev.EXTENSION_DECIDED)
REPORT_DUE = (ev.ORDER_SIGNED, ev.ORDER_DEADLINE_REMINDER, ev.ORDER_REPORT_RETURNED, ev.ORDER_RECHECK_FAILED)
RECHECK_DUE = (ev.ORDER_REPORTED, ev.ORDER_RECHECK_OVERDUE, ev.ORDER_CLOSURE_RETURNED)


def to_nobody(target, context):
    """An event that tells no one and only settles the notifications its step completes."""
    return []


RULES: dict[str, Rule] = {
    ev.ORDER_ISSUED: Rule(to_actors("order.sign"), _order_title(T_ISSUED), order_link),
    ev.ORDER_SIGNED: Rule(to_issuer_and_reporters, _order_title(T_SIGNED), order_link,
                          settles=(ev.ORDER_ISSUED, ev.ORDER_SIGN_REMINDER)),
    ev.ORDER_SIGN_REMINDER: Rule(to_school_leader_and_district_leaders, _order_title(T_SIGN_REMINDER), order_link),
    ev.ORDER_DEADLINE_REMINDER: Rule(to_school, deadline_reminder_title, order_link),
    ev.ORDER_OVERDUE: Rule(to_overdue_recipients, _order_title(T_OVERDUE), order_link),
    ev.ORDER_REPORT_SUBMITTED: Rule(to_actors("order.approve_report"), _order_title(T_REPORT_SUBMITTED), order_link,
                                    settles=REPORT_DUE),
    ev.ORDER_REPORT_RETURNED: Rule(to_report_author, _order_title(T_REPORT_RETURNED), order_link,
                                   settles=(ev.ORDER_REPORT_SUBMITTED,)),
    ev.ORDER_REPORTED: Rule(to_recheckers, _order_title(T_REPORTED), order_link,
                            settles=(ev.ORDER_REPORT_SUBMITTED,)),
    ev.ORDER_RECHECK_OVERDUE: Rule(to_inspectors_and_district_leader, _order_title(T_RECHECK_OVERDUE), order_link),
    ev.ORDER_RECHECK_FAILED: Rule(to_school, _order_title(T_RECHECK_FAILED), order_link, settles=RECHECK_DUE),
    ev.ORDER_RECHECK_PASSED: Rule(to_actors("order.approve_closure"), _order_title(T_RECHECK_PASSED), order_link,
                                  settles=RECHECK_DUE),
    ev.ORDER_CLOSED: Rule(to_closure_recipients, _order_title(T_CLOSED), order_link, settles=ORDER_TODO),
    ev.ORDER_CLOSURE_RETURNED: Rule(to_recheckers, _order_title(T_CLOSURE_RETURNED), order_link,
                                    settles=(ev.ORDER_RECHECK_PASSED, ev.ORDER_CITY_REVIEW)),
    ev.ORDER_ESCALATED: Rule(to_city_leaders, _order_title(T_ESCALATED), order_link),
    ev.ORDER_CITY_REVIEW: Rule(to_actors("order.city_approve"), _order_title(T_CITY_REVIEW), order_link,
                               settles=(ev.ORDER_RECHECK_PASSED,)),
    ev.EXTENSION_REQUESTED: Rule(to_actors("order.decide_extension"), _order_title(T_EXT_REQUESTED), order_link),
    ev.EXTENSION_DECIDED: Rule(to_requester_and_school_leader, _order_title(T_EXT_DECIDED), order_link,
                               settles=(ev.EXTENSION_REQUESTED,)),
    ev.VISIT_ASSIGNED: Rule(to_visit_team, _visit_title(T_VISIT_ASSIGNED), visit_link),
    ev.VISIT_SUBMITTED: Rule(to_organiser_leaders, _visit_title(T_VISIT_SUBMITTED), visit_link,
                             settles=(ev.VISIT_ASSIGNED, ev.VISIT_RETURNED)),
    ev.VISIT_RETURNED: Rule(to_visit_team, _visit_title(T_VISIT_RETURNED), visit_link,
                            settles=(ev.VISIT_SUBMITTED,)),
    ev.VISIT_APPROVED: Rule(to_visit_team, _visit_title(T_VISIT_APPROVED), visit_link,
                            settles=(ev.VISIT_SUBMITTED,)),
    ev.CLUE_REGISTERED: Rule(to_clue_leaders, _clue_title(T_CLUE_REGISTERED), clue_link),
    ev.CLUE_TO_VERIFY: Rule(to_clue_inspectors, _clue_title(T_CLUE_TO_VERIFY), clue_link,
                            settles=(ev.CLUE_REGISTERED, ev.CLUE_OVERDUE)),
    ev.CLUE_TO_REPLY: Rule(to_clue_leaders, _clue_title(T_CLUE_TO_REPLY), clue_link,
                           settles=(ev.CLUE_TO_VERIFY, ev.CLUE_OVERDUE)),
    ev.CLUE_OVERDUE: Rule(to_clue_leaders, _clue_title(T_CLUE_OVERDUE), clue_link),
    ev.CLUE_REPLIED: Rule(to_nobody, _clue_title(T_CLUE_TO_REPLY), clue_link,
                          settles=(ev.CLUE_TO_REPLY, ev.CLUE_OVERDUE)),
    ev.CAMPAIGN_PUBLICATION_DUE: Rule(to_organiser_leaders, campaign_title, campaign_link),
    ev.CAMPAIGN_RESULTS_PUBLISHED: Rule(to_nobody, campaign_title, campaign_link,
                                        settles=(ev.CAMPAIGN_PUBLICATION_DUE,)),
    ev.PROGRAMME_REPORT_TO_SIGN: Rule(to_report_signers, programme_title(T_PROGRAMME_TO_SIGN), programme_report_link),
    ev.PROGRAMME_REPORT_TO_REVIEW: Rule(to_report_reviewers, programme_title(T_PROGRAMME_TO_REVIEW),
                                        programme_report_link),
    ev.PROGRAMME_REPORT_ACCEPTED: Rule(to_programme_report_author, programme_title(T_PROGRAMME_ACCEPTED),
                                       programme_report_link),
    ev.PROGRAMME_REPORT_RETURNED: Rule(to_programme_report_author, programme_title(T_PROGRAMME_RETURNED),
                                       programme_report_link),
    ev.PROGRAMME_REPORT_MISSING: Rule(to_unit_people, programme_title(T_PROGRAMME_MISSING), programme_task_link),
    ev.PROGRAMME_TASK_LAGGING: Rule(to_task_supervisors, programme_title(T_PROGRAMME_LAGGING), programme_task_link),
    ev.PROGRAMME_TASK_OVERDUE: Rule(to_task_supervisors, programme_title(T_PROGRAMME_OVERDUE), programme_task_link),
    ev.PROGRAMME_FILING_TO_REVIEW: Rule(to_filing_reviewers, filing_title(T_FILING_TO_REVIEW), filing_link),
    ev.PROGRAMME_FILING_ACCEPTED: Rule(to_filer_leaders, filing_title(T_FILING_ACCEPTED), filing_link),
    ev.PROGRAMME_FILING_RETURNED: Rule(to_filer_leaders, filing_title(T_FILING_RETURNED), filing_link),
    ev.PROGRAMME_FILING_OVERDUE: Rule(to_filer_leaders, filing_title(T_FILING_OVERDUE), filing_link),
    ev.SELFCHECK_TO_SIGN: Rule(to_selfcheck_signers, selfcheck_title(T_SELFCHECK_TO_SIGN), selfcheck_link),
    ev.SELFCHECK_SIGNED: Rule(to_nobody, selfcheck_title(T_SELFCHECK_SIGNED), selfcheck_link,
                              settles=(ev.SELFCHECK_TO_SIGN,)),
    ev.SELFCHECK_RETURNED: Rule(to_selfcheck_submitter, selfcheck_title(T_SELFCHECK_RETURNED), selfcheck_link,
                                settles=(ev.SELFCHECK_TO_SIGN,)),
    ev.PROGRAMME_EVALUATION_PUBLISHED: Rule(to_scorecard_leaders, scorecard_title, scorecard_link),
}
