"""双随机, the draw itself: a pure function of its inputs and seed.

`draw(...)` reads no database, no clock and no global random state (only
`random.Random(seed)`), so the stored record of a draw (seed + inputs JSON)
computes the same result again. The rules it applies (recusal, reach,
weighting) are described in inspections.campaigns.services, which feeds it.
"""
import math
import random
import secrets
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALGORITHM = "dudao-draw-v1"
MIN_TEAM = 2


def target_weight(*, open_clues: int, past_findings: int) -> float:
    """The documented weighting formula; a school with nothing against it weighs 1."""
    return 1.0 + 2.0 * max(open_clues, 0) + min(max(past_findings, 0), 10)


def target_count(*, total: int, n: int | None, percent: float | None) -> int:
    """How many targets to draw: exactly N, or a percentage of the pool rounded up."""
    if (n is None) == (percent is None):
        raise ValidationError({"n": _("请填写抽取数量或抽取比例（二选一）。")})
    if percent is not None:
        if not 0 < float(percent) <= 100:
            raise ValidationError({"percent": _("抽取比例应在 0 到 100 之间。")})
        # Integer arithmetic on hundredths avoids 0.1-style float surprises (e.g. 10% of 30 must be 3, not 4).
        n = math.ceil(round(float(percent) * 100) * total / 10000)
    if not 1 <= int(n) <= total:
        raise ValidationError({"n": _("抽取数量应在 1 到 %(total)d 之间。") % {"total": total}})
    return int(n)


def _prefixed(path: str, roots: Iterable[str]) -> bool:
    return any(path.startswith(root) for root in roots)


def is_recused(*, inspector: int, target: Mapping, own_org_of: Mapping, conflicts: set) -> bool:
    """Own organisation or a registered conflict: this inspector must not go to this school."""
    return (_prefixed(target["path"], own_org_of.get(str(inspector), ()))
            or (int(inspector), int(target["id"])) in conflicts)


def is_eligible(*, inspector: int, target: Mapping, own_org_of: Mapping, conflicts: set,
                reach_of: Mapping | None) -> bool:
    if is_recused(inspector=inspector, target=target, own_org_of=own_org_of, conflicts=conflicts):
        return False
    return reach_of is None or _prefixed(target["path"], reach_of.get(str(inspector), ()))


def _pick_targets(rng: random.Random, targets: list, k: int, weights: Mapping | None) -> list:
    def key(target):
        weight = float((weights or {}).get(str(target["id"]), 1.0))
        if weight <= 0:
            raise ValidationError({"weights": _("权重必须为正数。")})
        return rng.random() ** (1.0 / weight)

    keyed = [(key(t), t) for t in targets]  # one rng call per target, in id order → reproducible
    keyed.sort(key=lambda pair: (-pair[0], pair[1]["id"]))
    return [t for _k, t in keyed[:k]]


def _pick_team(rng: random.Random, eligible: list[int], load: dict, team_size: int) -> list[int]:
    """The least-loaded eligible inspectors first, ties broken at random; the first one leads."""
    shuffled = list(eligible)
    rng.shuffle(shuffled)
    shuffled.sort(key=lambda i: load[i])  # stable: the random order survives among equals
    return shuffled[:team_size]


def draw(*, targets, inspectors, n=None, percent=None, team_size=MIN_TEAM, seed, conflicts, own_org_of,
         weights=None, reach_of=None) -> dict:
    """Draw k targets and a team for each. Same seed and inputs → same result, whatever their order.

    targets: [{"id", "path", "name"?}]; inspectors: [user id]; conflicts: [(inspector id, school id)];
    own_org_of / reach_of: {inspector id: [path prefix]}; weights: {school id: weight}.
    """
    if int(team_size) < MIN_TEAM:
        raise ValidationError({"team_size": _("每组至少 2 名督学。")})
    targets = sorted(({**t, "id": int(t["id"])} for t in targets), key=lambda t: t["id"])
    pool = sorted({int(i) for i in inspectors})
    k = target_count(total=len(targets), n=n, percent=percent)
    rng = random.Random(str(seed))
    conflict_set = {(int(i), int(s)) for i, s in conflicts}
    own = {str(key): list(v) for key, v in own_org_of.items()}
    reach = None if reach_of is None else {str(key): list(v) for key, v in reach_of.items()}
    load = dict.fromkeys(pool, 0)
    rows = []
    for target in _pick_targets(rng, targets, k, {str(key): v for key, v in (weights or {}).items()}):
        eligible = [i for i in pool if is_eligible(inspector=i, target=target, own_org_of=own,
                                                   conflicts=conflict_set, reach_of=reach)]
        if len(eligible) < int(team_size):
            raise ValidationError(
                _("回避后可派往“%(school)s”的督学只有 %(left)d 名，每组需要 %(need)d 名，请扩大督学库或减少每组人数。")
                % {"school": target.get("name") or target["id"], "left": len(eligible), "need": int(team_size)},
                code="too_few_inspectors")
        team = _pick_team(rng, eligible, load, int(team_size))
        for i in team:
            load[i] += 1
        rows.append({"school": target["id"], "team": team, "lead": team[0]})
    return {"algorithm": ALGORITHM, "k": k, "assignments": rows}


def draw_from_record(*, seed: str, inputs: Mapping) -> dict:
    """Run the draw again from a stored record (seed + inputs JSON)."""
    return draw(targets=inputs["targets"], inspectors=inputs["inspectors"], n=inputs.get("n"),
                percent=inputs.get("percent"), team_size=inputs.get("team_size", MIN_TEAM), seed=seed,
                conflicts=inputs.get("conflicts", []), own_org_of=inputs.get("own_org_of", {}),
                weights=inputs.get("weights"), reach_of=inputs.get("reach_of"))


def new_seed() -> str:
    """A fresh seed from the OS; it is recorded, so the draw can be repeated by anyone who audits it."""
    return secrets.token_hex(16)
