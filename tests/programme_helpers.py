"""A small programme for the task-supervision tests: the shared tree plus two departments with a
liaison and a leader each, and the city bureau's own task liaison and unit leader."""
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from organizations.roles import Role
from organizations.services import organization_create
from programmes.models import Indicator, Programme, ProgrammeTask

from .conftest import _user


def units_and_people(tree, people):
    rsj = organization_create(code="DEP-RSJ", name="市人力资源社会保障局", kind="department", parent=tree.city)
    wjw = organization_create(code="DEP-WJW", name="市卫生健康委", kind="department", parent=tree.city)
    return SimpleNamespace(
        rsj=rsj, wjw=wjw,
        rsj_liaison=_user("rsj_liaison", rsj, Role.LIAISON), rsj_leader=_user("rsj_leader", rsj, Role.UNIT_LEADER),
        wjw_liaison=_user("wjw_liaison", wjw, Role.LIAISON),
        city_liaison=_user("city_liaison", tree.city, Role.LIAISON),
    )


def programme_with_tasks(tree, units, *, starts=dt.date(2026, 1, 1), ends=dt.date(2026, 12, 31)):
    programme = Programme.objects.create(code="P1", title="测试行动计划", issuer=tree.city, starts_on=starts,
                                         ends_on=ends)
    led = ProgrammeTask.objects.create(programme=programme, no=1, area="结构布局", title="扩大在校生规模",
                                       target="在校生达到100人", lead_unit=units.rsj, due_date=dt.date(2026, 12, 31))
    Indicator.objects.create(task=led, seq=1, name="在校生", kind=Indicator.Kind.NUMBER, unit="人",
                             target_value=Decimal(100))
    milestone = ProgrammeTask.objects.create(programme=programme, no=2, area="结构布局", title="出台实施方案",
                                             target="印发方案", lead_unit=tree.city, due_date=dt.date(2026, 6, 30))
    milestone.co_units.add(units.rsj)
    Indicator.objects.create(task=milestone, seq=1, name="任务完成", kind=Indicator.Kind.MILESTONE)
    other = ProgrammeTask.objects.create(programme=programme, no=3, area="师资", title="卫生类专业建设",
                                         target="完成", lead_unit=units.wjw)
    Indicator.objects.create(task=other, seq=1, name="任务完成", kind=Indicator.Kind.MILESTONE)
    return SimpleNamespace(programme=programme, led=led, milestone=milestone, other=other)
