"""Demo data: the Jinan action plan with the city's task list (../shared/data/jinan_tasks.json, in
Chinese as given), the responsible units outside the education tree, their users, and a few progress
reports played through the services and the report flow.

Idempotent: units, programmes, phases, tasks and indicators are matched on natural keys; users are
created once; the reports are filed only when the programme has none.
"""
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone

from inspections.models import Campaign, ChecklistTemplate

from organizations.demo import upsert_user
from organizations.models import Organization
from workflows.calendar import local_date
from organizations.roles import Role
from organizations.services import membership_grant, organization_save

from . import evaluations, scoring
from .models import Evaluation, Indicator, Phase, Programme, ProgrammeTask
from .services import programme_links_set
from .status import month_end

TASKS_FILE = Path(__file__).parent / "fixtures" / "jinan_tasks.json"
EDUCATION_BUREAU = "市教育局（市委教育工委）"
DISTRICT_GOVERNMENTS = {"区县政府", "区(县)政府", "各区(县)政府", "有关区县政府"}
# Departments named in the task list → stable codes (the natural key of their organisation rows).
DEPARTMENTS = {
    "市人力资源社会保障局": "DEP-RSJ", "市卫生健康委": "DEP-WJW", "市财政局": "DEP-CZJ", "市发展改革委": "DEP-FGW",
    "行业主管部门": "DEP-HYZG", "市工业和信息化局": "DEP-GXJ", "市国资委": "DEP-GZW", "市自然资源与规划局": "DEP-ZRZY",
    "市农业农村局": "DEP-NYNC", "市科技局": "DEP-KJJ", "市外办": "DEP-WB", "市税务局": "DEP-SWJ", "市委组织部": "DEP-ZZB",
    "市行政审批局": "DEP-XZSP", "市市场监管局": "DEP-SCJG", "市扶贫办": "DEP-FPB", "市委编办": "DEP-BB",
    "市地方金融监管局": "DEP-JRJ", "市总工会": "DEP-ZGH", "市委教育工作领导小组成员单位": "DEP-LDXZ",
    "相关职能部门": "DEP-ZNBM",
}
PROGRAMMES = [
    # (code, title, start, end, phases)
    ("JN-TZPY-2020", "济南市职业教育提质培优行动计划", dt.date(2020, 7, 1), dt.date(2022, 12, 31), [
        ("宣传发动", dt.date(2020, 7, 1), dt.date(2020, 9, 30)),
        ("分步实施", dt.date(2020, 10, 1), dt.date(2022, 6, 30)),
        ("整改提升", dt.date(2022, 7, 1), dt.date(2022, 10, 31)),
        ("总结推广", dt.date(2022, 11, 1), dt.date(2022, 12, 31))]),
    ("JN-GFBX-2023", "济南市职业院校规范办学行动计划（2023—2025年）", dt.date(2023, 1, 1), dt.date(2025, 12, 31), [
        ("宣传发动", dt.date(2023, 1, 1), dt.date(2023, 3, 31)),
        ("分步实施", dt.date(2023, 4, 1), dt.date(2024, 12, 31)),
        ("整改提升", dt.date(2025, 1, 1), dt.date(2025, 6, 30)),
        ("总结推广", dt.date(2025, 7, 1), dt.date(2025, 12, 31))]),
]
# (username, display name, organisation code, role): a liaison who reports and a leader who signs off.
UNIT_USERS = [
    ("jn_liaison", "孟联络", "JN", Role.LIAISON),
    ("jn_unit_leader", "高处长", "JN", Role.UNIT_LEADER),
    ("rsj_liaison", "秦联络", "DEP-RSJ", Role.LIAISON),
    ("rsj_leader", "马处长", "DEP-RSJ", Role.UNIT_LEADER),
    ("cqgov_liaison", "曹联络", "GOV-CQ", Role.LIAISON),
    ("cqgov_leader", "贾主任", "GOV-CQ", Role.UNIT_LEADER),
]
NUMBER = re.compile(r"(\d+(?:\.\d+)?)(?:-\d+)?\s*(万人|个|门|所|家|名|人)")
SPLIT = re.compile(r"[，。；、和]")


def _unit(*, code: str, name: str, parent: Organization) -> Organization:
    org = Organization.objects.filter(code=code).first()
    if org is None:
        org = organization_save(organization=Organization(code=code, name=name, kind="department", parent=parent))
    return org


def load_units(orgs: dict) -> dict[str, list[Organization]]:
    """Name in the task list → the responsible organisations it stands for."""
    city = orgs["JN"]
    units = {EDUCATION_BUREAU: [city]}
    for name, code in DEPARTMENTS.items():
        units[name] = [_unit(code=code, name=name, parent=city)]
    governments = []
    for district in Organization.objects.filter(kind="district", parent=city).order_by("path"):
        area = district.area or district.name[:3]
        governments.append(_unit(code="GOV-" + district.code.split("-", 1)[-1], name=f"{area}人民政府", parent=city))
    for alias in DISTRICT_GOVERNMENTS:
        units[alias] = governments
    return units


def due_date(text: str) -> dt.date | None:
    """"2022年12月" → 2022-12-31 (month precision: the end of that month); anything else has no date."""
    found = re.fullmatch(r"(\d{4})年(\d{1,2})月", text.strip())
    return month_end(int(found.group(1)), int(found.group(2))) if found else None


def indicators_of(target: str) -> list[dict]:
    """The quantities a target names ("建设3个省级…", "达到23.1万人"), else one completion milestone."""
    found = []
    for match in NUMBER.finditer(target):
        after = SPLIT.split(target[match.end():], 1)[0].strip("（）左右")[:40]
        before = SPLIT.split(target[:match.start()])[-1]
        before = re.sub(r"(达到|建设|创建|争创|培育|建成|新增|约|左右)$", "", before)[:40]
        name = after or before or match.group(0)
        name += "）" * (name.count("（") - name.count("）"))  # a name cut inside its brackets
        found.append({"name": name, "kind": Indicator.Kind.NUMBER, "unit": match.group(2),
                      "target_value": Decimal(match.group(1))})
    return found or [{"name": "任务完成", "kind": Indicator.Kind.MILESTONE, "unit": "", "target_value": None}]


def _responsible(text: str, units: dict) -> list[Organization]:
    found = []
    for name in re.split(r"[、]", text.replace("及", "、")):
        for org in units.get(name.strip(), []):
            if org not in found:
                found.append(org)
    return found


def load_task(programme: Programme, row: dict, units: dict) -> ProgrammeTask:
    responsible = _responsible(row["departments"], units) or [programme.issuer]
    due = due_date(row["deadline"])
    task, _created = ProgrammeTask.objects.update_or_create(programme=programme, no=row["no"], defaults={
        "area": row["area"], "title": row["task"], "target": row["target"], "lead_unit": responsible[0],
        "departments_text": row["departments"], "deadline_text": row["deadline"], "due_date": due,
        "cycle": ProgrammeTask.Cycle.MONTHLY if due and due.year <= 2021 else ProgrammeTask.Cycle.QUARTERLY})
    task.co_units.set(responsible[1:])
    for seq, fields in enumerate(indicators_of(row["target"]), start=1):
        Indicator.objects.update_or_create(task=task, seq=seq, defaults=fields)
    return task


def load_programmes(orgs: dict) -> Programme:
    city = orgs["JN"]
    programmes = []
    for code, title, start, end, phases in PROGRAMMES:
        programme, _ = Programme.objects.update_or_create(code=code, defaults={
            "title": title, "issuer": city, "starts_on": start, "ends_on": end})
        for seq, (name, begins, ends) in enumerate(phases, start=1):
            Phase.objects.update_or_create(programme=programme, seq=seq,
                                           defaults={"name": name, "starts_on": begins, "ends_on": ends})
        programmes.append(programme)
    return programmes[0]


def load_demo_programmes(orgs: dict) -> None:
    units = load_units(orgs)
    programme = load_programmes(orgs)
    for row in json.loads(TASKS_FILE.read_text(encoding="utf-8"))["tasks"]:
        load_task(programme, row, units)
    for username, display, code, role in UNIT_USERS:
        org = Organization.objects.get(code=code)
        membership_grant(user=upsert_user(username, display), organization=org, role=role)
    filing_request = load_filing_request(programme)
    quality = load_quality_request(programme)
    link_campaigns(programme)
    load_evaluation(programme)
    if not programme.tasks.filter(reports__isnull=False).exists():
        from .demo_reports import load_demo_filings, load_demo_quality_reports, load_demo_reports

        load_demo_reports(programme)
        load_demo_filings(filing_request)
        load_demo_quality_reports(quality)


def load_filing_request(programme: Programme):
    """备案: two districts and a school directly under the city file their implementation plans."""
    from .models import FilingRequest

    request, _ = FilingRequest.objects.get_or_create(
        programme=programme, title="职业教育提质培优工作方案备案", defaults={"due_date": dt.date(2020, 9, 30)})
    request.filers.set(Organization.objects.filter(code__in=["JN-CQ", "JN-JY", "S-JNYS"]))
    return request


def load_quality_request(programme: Programme):
    """质量年度报告 2025: three schools report the year with its key figures; each school's authority reviews."""
    from .figures import QUALITY_REPORT_FIGURES
    from .models import FilingRequest

    request, _ = FilingRequest.objects.get_or_create(
        programme=programme, title="2025年度职业教育质量年度报告", kind=FilingRequest.Kind.QUALITY_REPORT,
        defaults={"due_date": dt.date(2026, 3, 31), "year": 2025, "figure_spec": QUALITY_REPORT_FIGURES})
    request.filers.set(Organization.objects.filter(code__in=["S-CQZZ", "S-JYZZ", "S-JNYS"]))
    return request


def link_campaigns(programme: Programme) -> None:
    """The demo's campaigns (the story's 双随机 and special campaigns) and the standard checklist belong to the plan."""
    programme_links_set(user=get_user_model().objects.get(username="jn_leader"), programme=programme,
                        campaign_ids=list(Campaign.objects.filter(
                            organiser__path__startswith=programme.issuer.path).values_list("pk", flat=True)),
                        checklist_ids=list(ChecklistTemplate.objects.filter(is_active=True).values_list("pk", flat=True)))


def load_evaluation(programme: Programme) -> None:
    """绩效评价: version 1 computed and published; then the office re-weights (version 2, a draft)."""
    if Evaluation.objects.filter(programme=programme).exists():
        return
    office = get_user_model().objects.get(username="jn_leader")
    # The demo's inspections and orders are this year's (the story plays them relative to today).
    year = local_date(timezone.now()).year
    evaluation = evaluations.evaluation_create(user=office, programme=programme, title=f"{year}年度绩效评价",
                                               period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31))
    evaluations.evaluation_publish(user=office, version=evaluation.versions.get())
    weights = {**scoring.DEFAULT_SCHEME["weights"], scoring.RECTIFICATION_ON_TIME: 30, scoring.REPEAT_FINDINGS: 15}
    evaluations.evaluation_set_weights(user=office, evaluation=evaluation,
                                       scheme={**scoring.DEFAULT_SCHEME, "weights": weights},
                                       reason="加大整改按期率和重复问题的权重")
