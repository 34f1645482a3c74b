"""Draw records: who may draw, recusal with real organisations, publication, immutability, re-draws."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inspections.campaigns.services import (
    conflict_register, current_draw, draw_create, draw_from_record, draw_publish, draw_redraw, draw_verify,
    inspector_pool, target_pool,
)
from inspections.models import AuditEvent, Draw, DrawAssignment, Visit
from inspections.campaigns.models import FrozenDrawError
from inspections.visits.selectors import visits_visible_to

from .draw_helpers import city_inspectors, random_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(people, tree):
    city_inspectors(tree)
    return random_campaign(people, tree)


def district_schools(tree):
    return [tree.school_a, tree.school_a2, tree.school_b]


def make(people, tree, campaign, **kwargs):
    kwargs.setdefault("schools", district_schools(tree))
    kwargs.setdefault("inspectors", inspector_pool(campaign=campaign))
    kwargs.setdefault("n", 2)
    return draw_create(campaign=campaign, user=people.city_leader, **kwargs)


def test_a_draw_records_seed_inputs_and_result_and_repeats_from_them(people, tree, campaign):
    record = make(people, tree, campaign, seed="2026-autumn")
    assert record.status == Draw.Status.DRAFT and record.seed == "2026-autumn"
    assert len(record.result["assignments"]) == 2
    assert draw_from_record(seed=record.seed, inputs=Draw.objects.get(pk=record.pk).inputs) == record.result
    assert draw_verify(record)
    again = make(people, tree, campaign, seed="2026-autumn")
    assert again.result == record.result
    assert AuditEvent.objects.filter(action="draw.create", object_id=str(record.pk)).exists()


def test_without_a_seed_a_fresh_one_is_recorded(people, tree, campaign):
    record = make(people, tree, campaign)
    assert len(record.seed) == 32


@pytest.mark.parametrize("who", ["district_leader", "city_inspector", "school_leader", "city_admin"])
def test_only_the_organisers_leader_may_draw(people, tree, campaign, who):
    with pytest.raises(PermissionDenied):
        draw_create(campaign=campaign, user=getattr(people, who), schools=district_schools(tree),
                    inspectors=inspector_pool(campaign=campaign), n=1)


def test_district_inspectors_never_go_to_their_own_district(people, tree, campaign):
    for seed in range(30):
        record = make(people, tree, campaign, n=3, seed=f"s{seed}")
        for row in record.result["assignments"]:
            assert people.district_inspector.pk not in row["team"]
            assert people.other_district_inspector.pk not in row["team"]


def test_city_inspectors_recuse_from_schools_run_by_the_city(people, tree, campaign):
    with pytest.raises(ValidationError) as exc:
        make(people, tree, campaign, schools=[tree.school_c], n=1)
    assert exc.value.code == "too_few_inspectors"
    assert tree.school_c.name in exc.value.messages[0]


def test_registered_conflicts_are_honoured(people, tree, campaign):
    conflict_register(inspector=people.city_inspector, school=tree.school_a, reason="配偶在该校任职",
                      user=people.city_admin)
    for seed in range(30):
        record = make(people, tree, campaign, schools=[tree.school_a], n=1, seed=f"c{seed}")
        assert people.city_inspector.pk not in record.result["assignments"][0]["team"]
        assert [people.city_inspector.pk, tree.school_a.pk] in record.inputs["conflicts"]


@pytest.mark.parametrize("who", ["district_leader", "city_inspector", "school_leader"])
def test_only_admins_keep_the_conflict_register(people, tree, who):
    with pytest.raises(PermissionDenied):
        conflict_register(inspector=people.city_inspector, school=tree.school_a, reason="x", user=getattr(people, who))


def test_too_few_inspectors_fails_clearly(people, tree):
    campaign = random_campaign(people, tree)  # only one city inspector in the pool
    with pytest.raises(ValidationError):
        draw_create(campaign=campaign, user=people.city_leader, schools=[tree.school_a],
                    inspectors=inspector_pool(campaign=campaign), n=1)


def test_percentage_of_the_pool_rounds_up(people, tree, campaign):
    record = make(people, tree, campaign, n=None, percent=34)  # 34% of 3 = 1.02 → 2
    assert record.result["k"] == 2


def test_publishing_plans_random_visits_secret_from_the_school(people, tree, campaign):
    record = draw_publish(draw=make(people, tree, campaign, seed="pub"), user=people.city_leader)
    assert record.status == Draw.Status.PUBLISHED and record.published_by == people.city_leader
    visits = Visit.objects.filter(campaign=campaign)
    assert visits.count() == 2 and set(visits.values_list("kind", flat=True)) == {"random"}
    for row in record.result["assignments"]:
        visit = visits.get(school_id=row["school"])
        assert sorted(visit.members.values_list("user_id", flat=True)) == sorted(row["team"])
        assert visit.members.get(is_lead=True).user_id == row["lead"]
    assert DrawAssignment.objects.filter(draw=record).count() == 4
    assert not visits_visible_to(people.school_staff).exists()
    assert current_draw(campaign) == record


def test_a_published_draw_cannot_change(people, tree, campaign):
    record = draw_publish(draw=make(people, tree, campaign), user=people.city_leader)
    with pytest.raises(FrozenDrawError):
        draw_publish(draw=record, user=people.city_leader)
    record.seed = "tampered"
    with pytest.raises(FrozenDrawError):
        record.save()
    with pytest.raises(FrozenDrawError):
        Draw.objects.filter(pk=record.pk).update(seed="tampered")
    with pytest.raises(FrozenDrawError):
        Draw.objects.get(pk=record.pk).delete()
    with pytest.raises(FrozenDrawError):
        DrawAssignment.objects.filter(draw=record).first().delete()
    assert Draw.objects.get(pk=record.pk).seed != "tampered"


def test_a_tampered_draft_is_not_published(people, tree, campaign):
    record = make(people, tree, campaign)
    Draw.objects.filter(pk=record.pk).update(seed="other-seed")
    with pytest.raises(ValidationError):
        draw_publish(draw=record, user=people.city_leader)


@pytest.mark.parametrize("who", ["district_leader", "city_inspector", "school_leader"])
def test_only_the_organisers_leader_may_publish(people, tree, campaign, who):
    with pytest.raises(PermissionDenied):
        draw_publish(draw=make(people, tree, campaign), user=getattr(people, who))


def test_a_redraw_is_a_new_audited_record_with_a_reason(people, tree, campaign):
    first = draw_publish(draw=make(people, tree, campaign, seed="one"), user=people.city_leader)
    with pytest.raises(ValidationError):
        draw_redraw(draw=first, user=people.city_leader, reason=" ")
    second = draw_redraw(draw=first, user=people.city_leader, reason="漏登一名督学的回避关系", seed="two")
    assert second.pk != first.pk and second.supersedes == first and second.status == Draw.Status.DRAFT
    assert second.inputs["targets"] == first.inputs["targets"]
    event = AuditEvent.objects.get(action="draw.redraw", object_id=str(second.pk))
    assert event.after["reason"] == "漏登一名督学的回避关系" and event.after["supersedes"] == first.pk
    assert Draw.objects.get(pk=first.pk).result == first.result
    with pytest.raises(ValidationError):
        draw_redraw(draw=first, user=people.city_leader, reason="again")
    draw_publish(draw=second, user=people.city_leader)
    assert current_draw(campaign) == second


def test_target_pool_follows_organisation_and_filters(people, tree, campaign):
    assert set(target_pool(campaign=campaign, under=tree.district_a)) == {tree.school_a, tree.school_a2}
    assert tree.school_c in target_pool(campaign=campaign)
