"""The organisation tree, people, role groups and guardian grants of a bench province, as COPY rows.

The rows are exactly what organizations.services would write (one group per
(organisation, role) holding the role's permissions on every node of the
subtree), but computed in memory and loaded with COPY.
"""
import random
from dataclasses import dataclass, field

from bench.copyio import copy_rows, next_id

FULL = {"cities": 16, "districts": 140, "schools": 10_000, "inspectors": 3_000}
CITY_SCHOOL_SHARE = 0.05      # schools reporting straight to the city (市属学校)
CITY_INSPECTORS = 2           # per city; the rest sit at districts
PASSWORD = "bench-pw-1"


@dataclass
class Org:
    id: int
    code: str
    kind: str
    parent: "Org | None"
    path: str
    city: "Org | None" = None
    issuer: "Org | None" = None   # who issues orders to a school: its district, or the city


@dataclass
class Tree:
    province: Org
    cities: list = field(default_factory=list)
    districts: list = field(default_factory=list)
    schools: list = field(default_factory=list)
    users: dict = field(default_factory=dict)          # (org_id, role) -> [user ids]
    usernames: dict = field(default_factory=dict)      # user id -> username

    def person(self, org: Org, role: str, pick: int = 0) -> int:
        ids = self.users[(org.id, role)]
        return ids[pick % len(ids)]


def sizes(scale: float) -> dict:
    """Counts at `scale`, with the floors a working tree needs (1 city, 2 districts, ≥1 school each)."""
    cities = max(1, round(FULL["cities"] * scale))
    districts = max(2 * cities, round(FULL["districts"] * scale))
    schools = max(districts + cities, round(FULL["schools"] * scale))
    inspectors = max(districts + cities * CITY_INSPECTORS, round(FULL["inspectors"] * scale))
    return {"cities": cities, "districts": districts, "schools": schools, "inspectors": inspectors}


def build_tree(cur, counts: dict, rng: random.Random) -> Tree:
    base = next_id(cur, "organizations_organization")
    ids = iter(range(base, base + 1 + counts["cities"] + counts["districts"] + counts["schools"]))
    province = _org(next(ids), "BP", "province", None)
    tree = Tree(province=province)
    for c in range(counts["cities"]):
        city = _org(next(ids), f"BC{c}", "city", province)
        city.city = city
        tree.cities.append(city)
    for d in range(counts["districts"]):
        city = tree.cities[d % len(tree.cities)]
        district = _org(next(ids), f"BD{d}", "district", city)
        district.city = city
        tree.districts.append(district)
    for s in range(counts["schools"]):
        under_city = s < len(tree.cities) or rng.random() < CITY_SCHOOL_SHARE
        parent = tree.cities[s % len(tree.cities)] if under_city else tree.districts[s % len(tree.districts)]
        school = _org(next(ids), f"BS{s}", "school", parent)
        school.city, school.issuer = parent.city, parent
        tree.schools.append(school)
    return tree


def _org(pk, code, kind, parent) -> Org:
    return Org(id=pk, code=code, kind=kind, parent=parent, path=(parent.path if parent else "/") + f"{pk}/")


def all_orgs(tree: Tree) -> list:
    return [tree.province, *tree.cities, *tree.districts, *tree.schools]


def copy_orgs(cur, tree: Tree) -> None:
    prefixes = {"province": "省教督改", "city": "市教督改", "district": "区教督改", "school": ""}
    copy_rows(cur, "organizations_organization",
              ["id", "code", "name", "name_en", "short_name", "kind", "parent_id", "area", "school_level",
               "doc_prefix", "path", "is_active"],
              ((o.id, o.code, f"基准{o.kind}{o.code}", "", o.code, o.kind, o.parent.id if o.parent else None,
                "", "", (prefixes[o.kind] + o.code) if prefixes[o.kind] else "", o.path, True)
               for o in all_orgs(tree)))


def people_plan(tree: Tree, inspectors: int) -> list:
    """(org, role, username) for every bench user; inspectors beyond the city ones spread over districts."""
    plan = [(tree.province, "leader", "p_leader"), (tree.province, "admin", "p_admin")]
    for c, city in enumerate(tree.cities):
        plan += [(city, "leader", f"c{c}_leader"), (city, "admin", f"c{c}_admin")]
        plan += [(city, "inspector", f"c{c}_insp{k}") for k in range(CITY_INSPECTORS)]
    left = inspectors - CITY_INSPECTORS * len(tree.cities)
    for d, district in enumerate(tree.districts):
        plan += [(district, "leader", f"d{d}_leader"), (district, "admin", f"d{d}_admin")]
        share = left // len(tree.districts) + (d < left % len(tree.districts))
        plan += [(district, "inspector", f"d{d}_insp{k}") for k in range(max(1, share))]
    for s, school in enumerate(tree.schools):
        plan += [(school, "school_leader", f"s{s}_leader"), (school, "school_staff", f"s{s}_staff")]
    return plan


def copy_people(cur, tree: Tree, plan: list, password_hash: str, now) -> None:
    """Users, memberships, role groups, user↔group links and the guardian grants of each group."""
    user_base = next_id(cur, "auth_user")
    rows = []
    for k, (org, role, username) in enumerate(plan):
        uid = user_base + k
        tree.users.setdefault((org.id, role), []).append(uid)
        tree.usernames[uid] = username
        rows.append((uid, password_hash, None, False, username, username, "", "", False, True, now))
    copy_rows(cur, "auth_user", ["id", "password", "last_login", "is_superuser", "username", "first_name",
                                 "last_name", "email", "is_staff", "is_active", "date_joined"], rows)
    copy_rows(cur, "organizations_membership", ["user_id", "organization_id", "role", "created_at"],
              ((user_base + k, org.id, role, now) for k, (org, role, _) in enumerate(plan)))
    groups = _copy_groups(cur, tree)
    copy_rows(cur, "auth_user_groups", ["user_id", "group_id"],
              ((uid, groups[key]) for key, uids in tree.users.items() for uid in uids))
    _copy_grants(cur, tree, groups)


def _copy_groups(cur, tree: Tree) -> dict:
    by_id = {o.id: o for o in all_orgs(tree)}
    group_base = next_id(cur, "auth_group")
    groups = {key: group_base + k for k, key in enumerate(tree.users)}
    copy_rows(cur, "auth_group", ["id", "name"],
              ((gid, f"{by_id[org_id].code}:{role}") for (org_id, role), gid in groups.items()))
    copy_rows(cur, "organizations_rolegroup", ["organization_id", "role", "group_id"],
              ((org_id, role, gid) for (org_id, role), gid in groups.items()))
    return groups


def _copy_grants(cur, tree: Tree, groups: dict) -> None:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from organizations.models import Organization
    from organizations.roles import ROLE_PERMS

    ct = ContentType.objects.get_for_model(Organization)
    perm_ids = dict(Permission.objects.filter(content_type=ct).values_list("codename", "id"))
    subtree = _subtrees(tree)
    copy_rows(cur, "guardian_groupobjectpermission", ["object_pk", "content_type_id", "group_id", "permission_id"],
              ((str(node), ct.id, gid, perm_ids[codename])
               for (org_id, role), gid in groups.items()
               for codename in ROLE_PERMS[role]
               for node in subtree[org_id]))


def _subtrees(tree: Tree) -> dict:
    reach = {o.id: [o.id] for o in all_orgs(tree)}
    for org in reversed(all_orgs(tree)):       # children come after parents: fold upwards
        if org.parent is not None:
            reach[org.parent.id].extend(reach[org.id])
    return reach
