"""Risk-weighted draws: the scores and weights are recorded beside the seed, the record repeats the draw,
the public page explains it, and a draw without risk weights is the draw of before."""
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from inspections.campaigns import draw_algorithm
from inspections.campaigns.risk_factors import campaign_set_risk_weights
from inspections.campaigns.risk import factors_for, score
from inspections.campaigns.services import draw_create, draw_from_record, draw_publish, draw_verify, inspector_pool, results_publish
from inspections.models import Campaign
from selfchecks import selectors

from .draw_helpers import city_inspectors, random_campaign
from .orders_helpers import issue

pytestmark = pytest.mark.django_db

WEIGHTS = {"open_orders": 5, "overdue_orders": 2, "clues_12m": 2, "years_since_visit": 0, "selfcheck_missed": 1}


@pytest.fixture
def campaign(people, tree):
    city_inspectors(tree)
    return random_campaign(people, tree)


def schools(tree):
    return [tree.school_a, tree.school_a2, tree.school_b]


def make(people, tree, campaign, **kwargs):
    kwargs.setdefault("n", 1)
    return draw_create(campaign=campaign, user=people.city_leader, schools=schools(tree),
                       inspectors=inspector_pool(campaign=campaign), **kwargs)


def test_scores_are_the_weighted_sum_of_the_factors_and_are_recorded(people, tree, campaign):
    issue(people, tree)  # one open order at school A
    campaign = campaign_set_risk_weights(campaign=campaign, user=people.city_leader, weights=WEIGHTS)
    record = make(people, tree, campaign, weighted=True, seed="risk-1")
    risk = record.inputs["risk"]
    a = str(tree.school_a.pk)
    assert risk["weights"] == {k: float(v) for k, v in sorted(WEIGHTS.items())}
    assert risk["factors"][a]["open_orders"] == 1.0 and risk["factors"][str(tree.school_b.pk)]["open_orders"] == 0
    assert risk["scores"][a] == score(risk["factors"][a], risk["weights"]) == 5.0
    assert record.inputs["weights"][a] == 6.0 and record.inputs["weights"][str(tree.school_b.pk)] == 1.0
    assert set(risk["factors"][a]) >= {"repeat_findings", "years_since_visit", "selfcheck_missed"}


def test_same_seed_and_same_scores_give_the_same_draw(people, tree, campaign):
    issue(people, tree)
    campaign = campaign_set_risk_weights(campaign=campaign, user=people.city_leader, weights=WEIGHTS)
    record = make(people, tree, campaign, weighted=True, seed="same", n=2)
    assert draw_verify(record)
    shuffled = dict(record.inputs, targets=random.Random(3).sample(record.inputs["targets"], 3))
    assert draw_from_record(seed="same", inputs=shuffled) == record.result
    assert make(people, tree, campaign, weighted=True, seed="same", n=2).result == record.result


def test_a_high_risk_school_is_drawn_far_more_often(people, tree, campaign):
    for _ in range(3):
        issue(people, tree)
    campaign = campaign_set_risk_weights(campaign=campaign, user=people.city_leader, weights=WEIGHTS)
    inputs = make(people, tree, campaign, weighted=True, seed="x").inputs  # school A weighs 16, the others 1
    hits = sum(draw_from_record(seed=f"s{i}", inputs=inputs)["assignments"][0]["school"] == tree.school_a.pk
               for i in range(60))
    assert hits >= 45  # expected 60 × 16/18 ≈ 53; uniform would give about 20


def test_without_weights_the_draw_is_the_draw_of_before(people, tree, campaign):
    issue(people, tree)
    campaign = campaign_set_risk_weights(campaign=campaign, user=people.city_leader, weights=WEIGHTS)
    record = make(people, tree, campaign, seed="plain", n=2)  # weighted not asked: risk weights unused
    assert record.inputs["weights"] is None and "risk" not in record.inputs
    inputs = record.inputs
    assert record.result == draw_algorithm.draw(
        targets=inputs["targets"], inspectors=inputs["inspectors"], n=2, seed="plain", conflicts=[],
        own_org_of=inputs["own_org_of"], reach_of=inputs["reach_of"])
    plain = Campaign.objects.get(pk=random_campaign(people, tree).pk)
    legacy = make(people, tree, plain, weighted=True, seed="legacy")  # no risk weights: the plain formula
    assert "risk" not in legacy.inputs and legacy.inputs["weights_basis"][str(tree.school_a.pk)]["past_findings"] == 1


def test_the_public_page_shows_each_drawn_schools_score_and_the_weights(client, people, tree, campaign):
    issue(people, tree)
    campaign = campaign_set_risk_weights(campaign=campaign, user=people.city_leader, weights=WEIGHTS)
    record = draw_publish(draw=make(people, tree, campaign, weighted=True, seed="seed-7f3a9c", n=3), user=people.city_leader)
    campaign.visits.update(checkin_at=timezone.now(), status="in_progress")
    results_publish(campaign=campaign, user=people.city_leader)
    body = client.get(f"/public/campaigns/{campaign.pk}/").content.decode()
    assert "data-risk-formula" in body and 'data-weight="open_orders"' in body
    for school_id, value in record.inputs["risk"]["scores"].items():
        assert f'data-score="{value}"' in body
    assert record.seed not in body


def test_only_the_organisers_leader_sets_weights_and_bad_weights_are_refused(people, tree, campaign):
    with pytest.raises(PermissionDenied):
        campaign_set_risk_weights(campaign=campaign, user=people.district_leader, weights=WEIGHTS)
    for bad in ({"unknown": 1}, {"open_orders": -1}, {"open_orders": "many"}, ["open_orders"]):
        with pytest.raises(ValidationError):
            campaign_set_risk_weights(campaign=campaign, user=people.city_leader, weights=bad)
    client = APIClient()
    client.force_authenticate(people.city_leader)
    answer = client.post(f"/api/v1/campaigns/{campaign.pk}/risk-weights/", {"weights": WEIGHTS}, format="json")
    assert answer.status_code == 200 and answer.json()["enabled"] is True
    bad = client.post(f"/api/v1/campaigns/{campaign.pk}/risk-weights/", {"weights": {"x": 1}}, format="json")
    assert bad.status_code == 400 and "risk_weights.x" in bad.json()
    client.force_authenticate(people.district_leader)
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/risk-weights/").status_code == 404


def test_self_report_disagreement_is_a_factor(people, tree, campaign, monkeypatch):
    monkeypatch.setattr(selectors, "_counts_for", lambda *a: {tree.school_a.pk: {"missed": 2}})
    factors = factors_for([tree.school_a.pk, tree.school_b.pk], timezone.now())
    assert factors[str(tree.school_a.pk)]["selfcheck_missed"] == 2.0
    assert factors[str(tree.school_b.pk)]["selfcheck_missed"] == 0.0
