"""The draw itself: reproducible, recusal honoured over many pools, teams of two or more, rounding up."""
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.campaigns.draw_algorithm import draw, draw_from_record, target_count, target_weight

CITY = "/1/"
DISTRICTS = ["/1/2/", "/1/3/", "/1/4/"]


def pool(n_schools=12, n_inspectors=8):
    targets = [{"id": 100 + i, "path": f"{DISTRICTS[i % 3]}{100 + i}/", "name": f"学校{i}"} for i in range(n_schools)]
    own = {str(i): [DISTRICTS[i % 3]] for i in range(1, n_inspectors + 1)}
    return targets, list(range(1, n_inspectors + 1)), own


def test_same_seed_and_inputs_give_the_same_result_whatever_their_order():
    targets, inspectors, own = pool()
    first = draw(targets=targets, inspectors=inspectors, n=5, seed="abc", conflicts=[(1, 101)], own_org_of=own)
    again = draw(targets=list(reversed(targets)), inspectors=list(reversed(inspectors)), n=5, seed="abc",
                 conflicts=[(1, 101)], own_org_of=own)
    assert first == again
    other = draw(targets=targets, inspectors=inspectors, n=5, seed="abd", conflicts=[(1, 101)], own_org_of=own)
    assert other != first


def test_the_stored_record_computes_the_same_result():
    targets, inspectors, own = pool()
    inputs = {"targets": targets, "inspectors": inspectors, "n": None, "percent": 30, "team_size": 2,
              "conflicts": [[2, 103]], "own_org_of": own, "weights": {"104": 5.0}}
    result = draw_from_record(seed="s-1", inputs=inputs)
    import json

    assert draw_from_record(seed="s-1", inputs=json.loads(json.dumps(inputs))) == result


@settings(max_examples=150, deadline=None)
@given(
    seed=st.text(min_size=1, max_size=12),
    n_schools=st.integers(min_value=1, max_value=15),
    n_inspectors=st.integers(min_value=6, max_value=14),
    conflict_bits=st.lists(st.tuples(st.integers(1, 14), st.integers(100, 114)), max_size=20),
    team_size=st.integers(min_value=2, max_value=3),
    weighted=st.booleans(),
)
def test_no_inspector_is_ever_drawn_onto_a_recused_or_conflicted_school(seed, n_schools, n_inspectors,
                                                                       conflict_bits, team_size, weighted):
    targets, inspectors, own = pool(n_schools, n_inspectors)
    weights = {str(t["id"]): 1 + (t["id"] % 4) for t in targets} if weighted else None
    try:
        result = draw(targets=targets, inspectors=inspectors, n=max(1, n_schools // 2), seed=seed,
                      conflicts=conflict_bits, own_org_of=own, team_size=team_size, weights=weights)
    except ValidationError as exc:
        assert exc.code == "too_few_inspectors"
        return
    paths = {t["id"]: t["path"] for t in targets}
    conflicts = {(i, s) for i, s in conflict_bits}
    for row in result["assignments"]:
        assert len(row["team"]) == team_size == len(set(row["team"]))
        assert row["lead"] in row["team"]
        for inspector in row["team"]:
            assert (inspector, row["school"]) not in conflicts
            assert not any(paths[row["school"]].startswith(root) for root in own[str(inspector)])


def test_reach_keeps_inspectors_where_they_may_inspect():
    targets, inspectors, own = pool(6, 9)
    reach = {str(i): ["/1/2/"] if i <= 6 else [CITY] for i in inspectors}
    result = draw(targets=targets, inspectors=inspectors, n=2, seed="r", conflicts=[], own_org_of={},
                  reach_of=reach)
    for row in result["assignments"]:
        path = next(t["path"] for t in targets if t["id"] == row["school"])
        assert all(path.startswith(reach[str(i)][0]) for i in row["team"])


def test_team_of_one_is_refused():
    targets, inspectors, own = pool()
    with pytest.raises(ValidationError):
        draw(targets=targets, inspectors=inspectors, n=1, seed="x", conflicts=[], own_org_of=own, team_size=1)


@pytest.mark.parametrize("total,percent,expected", [(30, 10, 3), (31, 10, 4), (7, 50, 4), (3, 1, 1), (5, 100, 5)])
def test_percentage_rounds_up(total, percent, expected):
    assert target_count(total=total, n=None, percent=percent) == expected


def test_n_and_percent_are_exclusive_and_bounded():
    for kwargs in ({"n": None, "percent": None}, {"n": 2, "percent": 10}, {"n": 0, "percent": None},
                   {"n": 9, "percent": None}, {"n": None, "percent": 0}):
        with pytest.raises(ValidationError):
            target_count(total=8, **kwargs)


def test_too_few_inspectors_after_recusal_fails_with_a_clear_message():
    targets = [{"id": 100, "path": "/1/2/100/", "name": "甲一职专"}]
    own = {"1": ["/1/2/"], "2": ["/1/3/"], "3": ["/1/2/"]}
    with pytest.raises(ValidationError) as exc:
        draw(targets=targets, inspectors=[1, 2, 3], n=1, seed="x", conflicts=[], own_org_of=own)
    assert "甲一职专" in exc.value.messages[0] and "1 名" in exc.value.messages[0]


def test_work_is_spread_before_anyone_goes_twice():
    targets, inspectors, _own = pool(6, 12)
    result = draw(targets=targets, inspectors=inspectors, n=6, seed="spread", conflicts=[], own_org_of={})
    drawn = [i for row in result["assignments"] for i in row["team"]]
    assert len(drawn) == len(set(drawn)) == 12


def test_weight_formula():
    assert target_weight(open_clues=0, past_findings=0) == 1
    assert target_weight(open_clues=2, past_findings=30) == 1 + 4 + 10


def test_heavier_schools_are_drawn_more_often():
    targets = [{"id": i, "path": f"/1/2/{i}/"} for i in range(1, 11)]
    weights = {"1": 20.0}
    hits = sum(
        any(r["school"] == 1 for r in draw(targets=targets, inspectors=[50, 51], n=1, seed=f"w{k}", conflicts=[],
                                           own_org_of={}, weights=weights)["assignments"])
        for k in range(200))
    assert hits > 100  # uniform would give about 20
