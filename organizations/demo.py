"""Demo data: the Jinan tree, the standard checklist, a user for every role and a few months of work.

Idempotent: every row is matched on a natural key, passwords are set only
when a user is first created, and the story (inspections.demo_story) is played once.
"""
from pathlib import Path

from django.contrib.auth import get_user_model

from .models import Organization
from .roles import Role
from .services import organization_save

JINAN_TREE = Path(__file__).parent / "fixtures" / "jinan_orgs.json"
DEMO_PASSWORD = "dudao-demo-2026"

# (username, display name, organisation code, role)
DEMO_USERS = [
    ("jn_admin", "王管理", "JN", Role.ADMIN),
    ("jn_leader", "李局长", "JN", Role.LEADER),
    ("jn_inspector", "张督学", "JN", Role.INSPECTOR),
    ("cq_admin", "陈管理", "JN-CQ", Role.ADMIN),
    ("cq_leader", "刘科长", "JN-CQ", Role.LEADER),
    ("cq_inspector", "赵督学", "JN-CQ", Role.INSPECTOR),
    ("jy_admin", "孙管理", "JN-JY", Role.ADMIN),
    ("jy_leader", "周科长", "JN-JY", Role.LEADER),
    ("jy_inspector", "吴督学", "JN-JY", Role.INSPECTOR),
    ("cqzz_leader", "郑校长", "S-CQZZ", Role.SCHOOL_LEADER),
    ("cqzz_staff", "冯老师", "S-CQZZ", Role.SCHOOL_STAFF),
    ("jyzz_leader", "何校长", "S-JYZZ", Role.SCHOOL_LEADER),
    ("jyzz_staff", "许老师", "S-JYZZ", Role.SCHOOL_STAFF),
    ("jnys_leader", "韩校长", "S-JNYS", Role.SCHOOL_LEADER),
    ("jnys_staff", "杨老师", "S-JNYS", Role.SCHOOL_STAFF),
]

# Colleagues who appear in the demo story but are not demo logins (no usable password):
# a second city inspector, so that the 双随机 draw can send a team of two.
STORY_USERS = [
    ("jn_inspector2", "钱督学", "JN", Role.INSPECTOR),
]



def _upsert_org(*, code, parent, **fields) -> Organization:
    org = Organization.objects.filter(code=code).first() or Organization(code=code)
    changed = org.pk is None or org.parent_id != (parent.pk if parent else None) or any(
        getattr(org, k) != v for k, v in fields.items()
    )
    if changed:
        org.parent = parent
        for key, value in fields.items():
            setattr(org, key, value)
        organization_save(organization=org)
    return org


def load_tree(data: dict) -> dict[str, Organization]:
    city = data["city"]
    orgs = {city["code"]: _upsert_org(code=city["code"], parent=None, kind="city", name=city["name"],
                                      name_en=city.get("name_en", ""), doc_prefix="济教督改")}
    for d in data["districts"]:
        prefix = d["area"].rstrip("区县") + "教督改"
        orgs[d["code"]] = _upsert_org(code=d["code"], parent=orgs[city["code"]], kind="district",
                                      name=d["name"], area=d["area"], doc_prefix=prefix)
    for s in data["schools"]:
        orgs[s["code"]] = _upsert_org(code=s["code"], parent=orgs[s["parent"]], kind="school",
                                      name=s["name"], short_name=s.get("short", ""),
                                      school_level=s.get("level", ""))
    return orgs


def upsert_user(username: str, display: str, *, staff: bool = False, superuser: bool = False,
                 login: bool = True):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": display, "is_staff": staff, "is_superuser": superuser},
    )
    if created:
        if login:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
