"""A checklist template in use is never changed under a visit: editing makes version+1."""
import pytest
from django.core.exceptions import PermissionDenied

from inspections.checklists.services import checklist_load_standard
from inspections.models import ChecklistItem, ChecklistTemplate
from inspections.checklists.admin import checklist_copy, checklist_item_update
from inspections.visits.services import current_template

from .visits_helpers import plan


def test_editing_a_template_in_use_creates_the_next_version_and_the_visit_keeps_its_own(people, tree):
    visit = plan(people, tree)
    v1 = visit.template
    v2 = checklist_item_update(template=v1, item_code="A1", user=people.city_admin, title="招生简章须备案",
                               severity="major")
    assert (v2.code, v2.version, v2.based_on) == (v1.code, 2, v1)
    assert ChecklistItem.objects.get(section__template=v1, code="A1").severity == "serious"
    assert ChecklistItem.objects.get(section__template=v2, code="A1").title == "招生简章须备案"
    assert ChecklistItem.objects.filter(section__template=v2).count() == 31
    visit.refresh_from_db()
    assert visit.template == v1
    assert current_template() == v2
    assert plan(people, tree).template == v2


def test_editing_an_unused_template_changes_it_in_place(people, tree):
    template = checklist_load_standard()
    same = checklist_item_update(template=template, item_code="A2", user=people.city_admin, severity="serious")
    assert same.pk == template.pk and ChecklistTemplate.objects.count() == 1


@pytest.mark.parametrize("who", ["district_inspector", "school_leader", "city_leader"])
def test_only_admins_may_edit_or_copy_checklists(people, tree, who):
    template = checklist_load_standard()
    with pytest.raises(PermissionDenied):
        checklist_item_update(template=template, item_code="A2", user=getattr(people, who), severity="major")
    with pytest.raises(PermissionDenied):
        checklist_copy(template=template, user=getattr(people, who), code="MINE")
    assert ChecklistTemplate.objects.count() == 1


def test_admin_copies_a_template_under_a_new_code_owned_by_their_organisation(people, tree):
    template = checklist_load_standard()
    copy = checklist_copy(template=template, user=people.city_admin, code="SAFE-2026", title="安全专项")
    assert (copy.code, copy.version, copy.owner, copy.title) == ("SAFE-2026", 1, tree.city, "安全专项")
    assert ChecklistItem.objects.filter(section__template=copy).count() == 31
