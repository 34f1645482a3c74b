"""The demo story's storylines: who did what, on which working day (counted back from today).

Each storyline is a generator for inspections.demo_story.play: it yields the moment
of its next step, then takes that step through a service. Moments are
`story.at(working_days_ago, hour, minute)`. The tables below are the story;
the functions only walk them. Texts are written for the demo (no seed quotes).
"""
import datetime as dt
import uuid
import zlib

from django.contrib.auth import get_user_model

from notifications.models import Notification
from notifications.services import mark_read
from workflows.calendar import SHANGHAI, add_working_days

from inspections.clues import services as clue_svc
from inspections.campaigns import services as draw_svc
from inspections.orders import services as order_svc
from inspections.visits import services as visit_svc
from inspections.checklists.models import ChecklistItem
from inspections.clues.models import Clue
from inspections.visits.models import VisitItemResult

FIRST_WD = 72  # the scheduler sweeps every morning from this many working days ago
READ_BEFORE_WD = 4  # notifications older than this were read by their recipients; newer ones are still unread

PARTIAL_ITEMS = 8  # items answered so far on a visit still in progress

# school → (school leader, school staff, inspector of the issuing authority, its leader)
PEOPLE = {
    "S-CQZZ": ("cqzz_leader", "cqzz_staff", "cq_inspector", "cq_leader"),
    "S-JYZZ": ("jyzz_leader", "jyzz_staff", "jy_inspector", "jy_leader"),
    "S-JNYS": ("jnys_leader", "jnys_staff", "jn_inspector", "jn_leader"),
}
# authority → (its inspector, its leader): who verifies clues and reviews the visits it organises
AUTHORITY = {"JN": ("jn_inspector", "jn_leader"), "JN-CQ": ("cq_inspector", "cq_leader"),
             "JN-JY": ("jy_inspector", "jy_leader")}

# Manual orders: key, school, severity, finding, issued (wd, hour), then steps ((wd, hour), verb, *args).
# Their last step leaves each order in the state named in the comment (the real services decide it).
MANUAL_ORDERS = [
    ("cq-closed", "S-CQZZ", "general", "学校管理制度未汇编成册，部分制度仍为旧版", (70, 10), [  # closed
        ((69, 9), "sign"), ((55, 15), "report", "已梳理全部制度，汇编成册并印发全体教职工"), ((55, 17), "approve"),
        ((50, 10), "pass", "查阅制度汇编及印发记录，整改到位"), ((48, 11), "close")]),
    ("cq-closure", "S-CQZZ", "general", "应急疏散演练记录不完整，缺少演练评估", (40, 10), [  # awaiting district closure
        ((39, 9), "sign"), ((22, 15), "report", "补充本学期演练方案、签到表和评估报告"), ((21, 11), "approve"),
        ((18, 10), "pass", "资料齐全，演练评估已经校务会审议")]),
    ("cq-overdue", "S-CQZZ", "serious", "部分教室监控存在盲区，门卫值守记录缺失", (45, 10), [  # overdue twice → city
        ((44, 9), "sign"), ((33, 10), "extend", 20, "监控设备需政府采购，到货时间晚于整改期限"),
        ((32, 15), "decide", True, "同意延期，请按新期限完成")]),
    ("cq-extension", "S-CQZZ", "serious", "部分实习岗位与所学专业不对口", (6, 10), [  # extension pending
        ((5, 9), "sign"), ((1, 14), "extend", -8, "需与合作企业协商调整实习岗位，预计还需两周")]),
    ("cq-recheck", "S-CQZZ", "general", "招生录取材料归档不全，缺少部分新生录取审批表", (25, 10), [  # awaiting re-check
        ((24, 9), "sign"), ((6, 15), "report", "已补齐录取审批表并按届次重新装订归档"), ((5, 16), "approve")]),
    ("cq-review", "S-CQZZ", "general", "未单独开设普通话课程", (15, 10), [  # report awaiting school approval
        ((14, 9), "sign"), ((2, 16), "report", "下学期起各专业开设普通话课程，已调整课表")]),
    ("cq-rectifying", "S-CQZZ", "serious", "学籍异动信息未按时在系统中更新", (8, 10), [  # rectifying
        ((7, 9), "sign")]),
    ("cq-sign", "S-CQZZ", "general", "学校网站招生信息未及时更新公开", (1, 15), []),  # awaiting 签收
    ("jy-overdue", "S-JYZZ", "serious", "部分监控设备损坏未修复，校门口值守记录不全", (30, 10), [  # overdue, reported late
        ((29, 9), "sign"), ((0, 9), "report", "已更换损坏设备，补建值守登记制度")]),
    ("jy-failed", "S-JYZZ", "general", "本学期未开展应急疏散演练，部分管理岗位职责不清", (44, 10), [  # re-check failed twice
        ((43, 9), "sign"), ((30, 15), "report", "已补充演练方案，制定培训计划"), ((30, 17), "approve"),
        ((27, 10), "fail", "演练记录缺少学生签到和效果评估"),
        ((12, 15), "report", "补充签到表和评估报告"), ((12, 17), "approve"),
        ((9, 10), "fail", "培训计划仍未落实到具体岗位")]),
    ("jy-closed", "S-JYZZ", "general", "质量年度报告未按时在学校网站发布", (65, 10), [  # closed
        ((64, 9), "sign"), ((50, 15), "report", "年度质量报告已在学校网站首页发布"), ((50, 17), "approve"),
        ((47, 10), "pass", "网站已发布，内容完整"), ((46, 11), "close")]),
    ("jnys-sign", "S-JNYS", "general", "艺术实训室设备安全操作规程未张贴", (4, 10), []),  # unsigned, reminded
    ("jnys-rectifying", "S-JNYS", "serious", "学生资助发放公示材料不完整", (10, 10), [  # due today
        ((9, 9), "sign")]),
    ("jnys-recheck", "S-JNYS", "general", "部分专业人才培养方案未按年度修订", (20, 10), [  # awaiting re-check
        ((19, 9), "sign"), ((8, 15), "report", "已组织专业带头人修订人才培养方案并报备"), ((7, 11), "approve")]),
    ("jnys-closed", "S-JNYS", "general", "教学巡查记录不连续", (55, 10), [  # closed by the city
        ((54, 9), "sign"), ((40, 15), "report", "建立教学巡查日志，每日由值班领导签字"), ((40, 17), "approve"),
        ((37, 10), "pass", "抽查近一月巡查日志，记录连续"), ((36, 11), "close")]),
]

# Visits: key, school, lead, planned (wd), plan step (wd, hour), failed items {code: finding},
# the steps reached (checkin / sign / submit / review at (wd, hour)), then the order's steps.
VISITS = [
    ("jy-visit-major", "S-JYZZ", "jy_inspector", 22, (24, 15),
     {"C2": "2名实习学生未办理实习责任保险", "B4": "教学巡查记录不连续，部分周次缺失"},
     {"checkin": (22, 9), "sign": (22, 16), "submit": (22, 17), "review": (21, 10)}, [  # awaiting city closure
         ((20, 9), "sign"), ((18, 15), "report", "已为全部实习学生补办责任保险，完善巡查制度"), ((18, 17), "approve"),
         ((4, 10), "pass", "查验保单及巡查记录，整改到位"), ((2, 10), "close")]),
    ("jnys-visit-review", "S-JNYS", "jn_inspector", 2, (8, 15),
     {"H1": "教学诊断与改进制度未形成年度报告"},
     {"checkin": (2, 9), "sign": (2, 15), "submit": (1, 16)}, []),  # awaiting the city leader's review
    ("jy-visit-today", "S-JYZZ", "jy_inspector", 0, (3, 15),
     {"B2": "部分班级课表与实际授课不一致"}, {"checkin": (0, 9)}, []),  # checked in, being recorded
]

# Clues: key, school (or district), source, content, complainant (name, contact), registered (wd, hour),
# then steps ((wd, hour), verb, *args).
CLUES = [
    ("cq-clue-new", "S-CQZZ", "hotline", "反映长清职专向顶岗实习学生收取实习管理费，每人800元", ("王女士", "13900000001"),
     (0, 9), []),  # registered: to triage
    ("cq-clue-verify", "S-CQZZ", "mailbox", "反映学校食堂饭菜价格上涨明显，未公示成本核算", ("李先生", "13900000002"),
     (4, 11), [((3, 10), "triage", "desk_check")]),  # triaged: to verify
    ("cq-clue-reply", "S-CQZZ", "phone", "反映学校周末组织学生补课并收费", ("赵女士", "13900000003"), (12, 15), [
        ((11, 10), "triage", "desk_check"),
        ((8, 16), "desk", "调阅课表并走访学生，周末为自愿参加的技能大赛集训，未收取费用", False)]),  # verified: to reply
    ("cq-clue-replied", "S-CQZZ", "hotline", "反映实训设备老化，存在安全隐患", ("孙先生", "13900000004"), (22, 10), [
        ((21, 10), "triage", "desk_check"), ((17, 15), "desk", "部分设备确已超期使用，已督促学校停用并报修", True),
        ((14, 10), "reply", "您反映的问题经核查属实，已督促学校停用相关设备并限期整改", "hotline")]),  # replied
    ("cq-clue-closed", "S-CQZZ", "mailbox", "反映学校招生宣传中承诺“包分配”", ("周女士", "13900000005"), (40, 10), [
        ((39, 10), "triage", "desk_check"), ((35, 15), "desk", "招生简章及宣传材料中未见相关承诺", False),
        ((32, 10), "reply", "经核查，学校招生材料中无相关承诺，已提醒学校规范招生宣传口径", "phone"),
        ((30, 16), "close")]),  # closed
    ("cq-clue-out", "JN-CQ", "hotline", "反映辖区内某校外培训机构收费过高", ("吴先生", "13900000006"), (28, 10), [
        ((27, 10), "triage", "out_of_scope", "反映对象为校外培训机构，不属于职业院校督导范围，已转相关科室"),
        ((26, 15), "reply", "您反映的事项已转交主管科室办理", "phone"), ((26, 16), "close")]),  # closed, out of scope
    # A surprise visit planned this morning for tomorrow; the reply waits for its check-in.
    ("jy-clue-visit", "S-JYZZ", "hotline", "反映济阳职专食堂卫生状况差", ("刘女士", "13900000007"), (1, 10), [
        ((1, 15), "triage", "surprise_visit"), ((0, 10), "visit")]),
    ("jy-clue-new", "S-JYZZ", "mailbox", "反映学校实习安排与所学专业不对口", ("陈女士", "13900000008"), (1, 16), []),
]

STORY_NS = uuid.UUID("0b7e6a52-4c2d-4f0e-8d1a-5e3c9a7d2b10")
MARK_KEY = "cq-closed"  # the story's first order; its presence means the story was played


def story_uuid(key: str) -> uuid.UUID:
    return uuid.uuid5(STORY_NS, key)



# ---------------------------------------------------------------- order steps


def _people(order):
    return PEOPLE[order.school.code]


def _report(s, order, text):
    order_svc.report_submit(order=order, user=s.u(_people(order)[1]), measures=text,
                            client_uuid=story_uuid(f"report-{order.pk}-{order.round}"))


def _extend(s, order, days, reason):
    """Ask for a later working day: `days` > 0 is that many working days ago, ≤ 0 that many after the deadline."""
    order.refresh_from_db()
    due = order.deadline.due_at.astimezone(SHANGHAI).date()
    wanted = s.day(days) if days > 0 else add_working_days(due, -days)
    order_svc.extension_request(order=order, user=s.u(_people(order)[1]), requested_deadline=wanted, reason=reason)


def _decide(s, order, approve, note):
    extension = order.extensions.filter(decision="pending").get()
    order_svc.extension_decide(extension=extension, user=s.u(_people(order)[3]), approve=approve, note=note)


def _close(s, order):
    """The district leader approves closure (for a school under the city, the city leader)."""
    order_svc.closure_approve(order=order, user=s.u(_people(order)[3]))
    order.refresh_from_db()


ORDER_VERBS = {
    "sign": lambda s, o: order_svc.order_sign(order=o, user=s.u(_people(o)[0])),
    "report": _report,
    "approve": lambda s, o: order_svc.report_approve(order=o, user=s.u(_people(o)[0])),
    "pass": lambda s, o, notes: order_svc.recheck_record(order=o, user=s.u(_people(o)[2]), method="on_site",
                                                         result="pass", notes=notes),
    "fail": lambda s, o, notes: order_svc.recheck_record(order=o, user=s.u(_people(o)[2]), method="document",
                                                         result="fail", notes=notes),
    "close": _close,
    "extend": _extend,
    "decide": _decide,
}


def order_steps(s, order, steps):
    for (wd, hour), verb, *args in steps:
        yield s.at(wd, hour)
        ORDER_VERBS[verb](s, order, *args)


def manual_order_line(s, key, school, severity, text, issued, steps):
    """An inspector's order typed in after a desk check or an earlier inspection, then its life."""
    yield s.at(*issued)
    inspector = s.u(PEOPLE[school][2])
    order, _ = order_svc.order_issue_manual(
        school=s.orgs[school], findings=[{"description": text, "severity": severity}], issued_by=inspector,
        requirements="请对照问题逐项整改，按期报送整改报告及佐证材料。", client_uuid=story_uuid(key))
    yield from order_steps(s, order, steps)


# ---------------------------------------------------------------- visits


def _record_items(visit, user, fails, upto=None):
    """Answer the checklist in order (the first `upto` items when given); failed items get their finding."""
    items = ChecklistItem.objects.filter(section__template=visit.template).order_by("section__order", "order")
    for item in list(items)[:upto]:
        failed = item.code in fails
        visit_svc.item_result_record(visit=visit, user=user, item=item, result=(
            VisitItemResult.Result.FAIL if failed else VisitItemResult.Result.PASS))
        if failed:
            visit_svc.finding_record(visit=visit, user=user, item=item, description=fails[item.code],
                                     client_uuid=story_uuid(f"finding-{visit.pk}-{item.code}"))


def visit_on_site(s, visit, lead, fails, stages):
    """Check in, record, sign, submit and review, as far as `stages` goes; yields the moment of each."""
    lead_user = s.u(lead)
    yield s.at(*stages["checkin"])
    visit_svc.visit_check_in(visit=visit, user=lead_user, geo_status="ok", latitude=36.55, longitude=116.75,
                             accuracy=15.0)
    _record_items(visit, lead_user, fails, upto=None if "sign" in stages else PARTIAL_ITEMS)
    if "sign" in stages:
        yield s.at(*stages["sign"])
        visit_svc.visit_sign(visit=visit, user=lead_user, representative_name="学校代表",
                             signature_data_url=s.signature)
    if "submit" in stages:
        yield s.at(*stages["submit"])
        visit_svc.visit_submit(visit=visit, user=lead_user, summary="现场检查完成，发现的问题须按期整改。")
    if "review" in stages:
        yield s.at(*stages["review"])
        visit_svc.visit_review(visit=visit, user=s.u(AUTHORITY[visit.organiser.code][1]), approve=True)


def visit_line(s, key, school, lead, planned_wd, planned_at, fails, stages, steps):
    yield s.at(*planned_at)
    visit = visit_svc.visit_plan(school=s.orgs[school], planned_date=s.day(planned_wd), lead=s.u(lead),
                                 planned_by=s.u(lead), client_uuid=story_uuid(key))
    yield from visit_on_site(s, visit, lead, fails, stages)
    # A visit's findings go out as one order per deadline. The story follows the most urgent; the school signs
    # and answers the others with it, and they wait for their re-check.
    orders = list(visit.orders.order_by("deadline__due_at", "pk"))
    for (wd, hour), verb, *args in steps if orders else ():
        yield s.at(wd, hour)
        for order in orders if verb in SCHOOL_ANSWERS_TOGETHER else orders[:1]:
            ORDER_VERBS[verb](s, order, *args)


SCHOOL_ANSWERS_TOGETHER = ("sign", "report", "approve")


# ---------------------------------------------------------------- clues


def _clue_reply(s, clue, text, method):
    clue_svc.clue_reply(clue=clue, user=s.u(_clue_people(clue)[1]), text=text, method=method)


def _clue_people(clue):
    return AUTHORITY[clue.district.code]


CLUE_VERBS = {
    "triage": lambda s, c, decision, reason="": clue_svc.clue_triage(
        clue=c, user=s.u(_clue_people(c)[1]), decision=decision, reason=reason),
    "desk": lambda s, c, result, substantiated: clue_svc.clue_verify_desk(
        clue=c, user=s.u(_clue_people(c)[0]), result=result, substantiated=substantiated),
    "visit": lambda s, c: clue_svc.clue_verify_visit(
        clue=c, user=s.u(_clue_people(c)[0]), planned_date=s.today + dt.timedelta(days=1),
        lead=s.u(_clue_people(c)[0])),
    "reply": _clue_reply,
    "close": lambda s, c: clue_svc.clue_close(clue=c, user=s.u(_clue_people(c)[1])),
}


def clue_line(s, key, where, source, content, complainant, registered, steps):
    """A complaint registered by the district's leader (hotline tickets carry their 12345 number)."""
    moment = s.at(*registered)
    yield moment
    org = s.orgs[where]
    district = org if not org.is_school else clue_svc.responsible_authority(org)
    clue = clue_svc.clue_register(
        source=source, content=content, received_at=moment, registered_by=s.u(AUTHORITY[district.code][1]),
        school=org if org.is_school else None, district=None if org.is_school else org,
        external_ref=f"{moment:%Y%m%d}{zlib.crc32(key.encode()) % 10000:04d}" if source == "hotline" else "",
        complainant_name=complainant[0], complainant_contact=complainant[1])
    for (wd, hour), verb, *args in steps:
        yield s.at(wd, hour)
        CLUE_VERBS[verb](s, Clue.objects.get(pk=clue.pk), *args)


# ---------------------------------------------------------------- the 双随机 campaign


DRAW_TARGETS = ["S-ZQZZ", "S-LWZZ", "S-JYZZ"]
DRAW_SEED = "demo-2026-autumn"


def draw_line(s):
    """The city's random campaign: created, drawn and published; one drawn school's team is on site today."""
    yield s.at(6, 10)
    leader = s.u("jn_leader")
    campaign = draw_svc.campaign_create(title="职业院校办学行为双随机抽查", organiser=s.orgs["JN"], user=leader,
                                        period_start=s.today, period_end=s.today + dt.timedelta(days=30))
    yield s.at(5, 10)
    record = draw_svc.draw_create(campaign=campaign, user=leader, schools=[s.orgs[c] for c in DRAW_TARGETS],
                                  inspectors=[s.u("jn_inspector"), s.u("jn_inspector2")], n=2, seed=DRAW_SEED)
    yield s.at(3, 16)
    draw_svc.draw_publish(draw=record, user=leader)  # plans both visits for the first day of the period
    visits = sorted({a.visit for a in record.assignments.select_related("visit__school")}, key=lambda v: v.school.code)
    on_site = visits[-1]  # 章丘职专 with the seed above; 济阳职专's visit stays planned, unseen by the school
    yield from visit_on_site(s, on_site, on_site.members.get(is_lead=True).user.username, {}, {"checkin": (0, 9)})


# ---------------------------------------------------------------- the whole story


def storylines(s):
    return [
        *(manual_order_line(s, *row) for row in MANUAL_ORDERS),
        *(visit_line(s, *row) for row in VISITS),
        *(clue_line(s, *row) for row in CLUES),
        draw_line(s),
    ]


def mark_notifications_read(s) -> None:
    """People read what reached them up to a few working days ago; the newest stay unread on the bell."""
    before = s.at(READ_BEFORE_WD, 0)
    old = Notification.objects.filter(created_at__lt=before, read_at__isnull=True)
    recipients = get_user_model().objects.in_bulk(set(old.values_list("recipient_id", flat=True)))
    for user in recipients.values():
        mark_read(user=user, ids=list(old.filter(recipient=user).values_list("pk", flat=True)))
