"""The permission matrix: every URL pattern × every persona → the expected status.

Every pattern of config.urls (walked recursively: auth, admin, API, viewflow
site and flow apps) needs an entry in MATRIX, keyed by its full route
string. `test_every_url_pattern_has_a_matrix_entry` fails for a new URL
without one and lists what is missing; `test_matrix_outcomes` requests each
entry's representative URL as each persona and compares the status.

Personas (see `personas` below): anonymous; staff and leader of school A;
the same of school A2 (same district); staff of school B (other district);
staff of school C (directly under the city); inspector and leader of
district A and of district B; city inspector and leader; the city admin.
"""
import re
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from organizations.roles import Role
from organizations.services import membership_grant

PERSONAS = (
    "anonymous", "staff_A", "leader_A", "staff_A2", "leader_A2", "staff_B", "staff_C",
    "inspector_DA", "leader_DA", "inspector_DB", "leader_DB", "inspector_city", "leader_city", "admin_city",
)
SIGNED_IN = PERSONAS[1:]
ADMINS = ("admin_city",)


@dataclass(frozen=True)
class Case:
    """One representative request and the status each persona must get."""

    expect: dict
    url: str | None = None          # None: the pattern itself (it has no parameters)
    method: str = "get"
    data: dict = field(default_factory=dict)


def everyone(status):
    return {p: status for p in PERSONAS}


def signed_in(status, *, anonymous=302):
    return {"anonymous": anonymous, **{p: status for p in SIGNED_IN}}


def only(allowed: tuple, status=200, *, others=403, anonymous=302):
    return {"anonymous": anonymous, **{p: (status if p in allowed else others) for p in SIGNED_IN}}


MATRIX: dict[str, Case | tuple[Case, ...]] = {
    # --- accounts (viewflow AuthViewset over django.contrib.auth) ---
    "accounts/login/": Case(everyone(200)),
    "accounts/logout/": (Case(everyone(405)), Case(everyone(302), method="post")),
    "accounts/password_change/": Case(signed_in(200)),
    "accounts/password_change/done/": Case(signed_in(200)),
    "accounts/password_reset/": Case(everyone(200)),
    "accounts/password_reset/done/": Case(everyone(200)),
    "accounts/reset/<uidb64>/<token>/": Case(everyone(200), url="/accounts/reset/MQ/bad-token/"),
    "accounts/reset/done/": Case(everyone(200)),
    # --- i18n ---
    "i18n/setlang/": (Case(everyone(302), method="post", data={"language": "en", "next": "/"}),
                      Case(everyone(302))),
    "jsi18n/": Case(everyone(200)),
    # --- API ---
    "api/schema/": Case(everyone(200)),
    "api/v1/auth/token/": (Case(everyone(405)), Case(everyone(400), method="post")),
    "api/v1/auth/token/revoke/": (Case(signed_in(204, anonymous=401), method="post"),
                                  Case(signed_in(405, anonymous=401))),
    # --- the Django admin: login and logout; every other admin URL is the ADMIN rule below ---
    "admin/login/": Case(everyone(200)),
    "admin/logout/": Case(everyone(302)),  # admin_view first: non-staff go to the admin login
    # --- viewflow site ---
    "": Case(everyone(302)),
    "dudao/": Case(signed_in(200)),
    # --- security (audit viewer) ---
    "security/": Case(only(ADMINS, 302)),  # the app index redirects admins to the viewer
    "security/audit/": Case(only(ADMINS)),
    "security/audit/export.xlsx": Case(only(ADMINS)),
}

# Every other admin URL is behind admin_view: Dudao's personas are not Django staff
# (role admins work in Dudao's own screens), so each one is sent to the admin login.
ADMIN_RULE = everyone(302)


# --- walking the URLconf -----------------------------------------------------------

def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def all_patterns() -> list[str]:
    return sorted(set(_walk(get_resolver().url_patterns)))


def is_admin_rule(pattern: str) -> bool:
    return pattern.startswith("admin/") and pattern not in MATRIX


_SAMPLES = {"int": "0", "path": "0", "str": "0", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def concrete_url(pattern: str) -> str:
    """A URL that the pattern matches, with dummy values for parameters."""
    url = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLES.get(m.group(1) or "str", "0"), pattern)
    url = re.sub(r"\(\?P<\w+>([^|)]+)[^)]*\)", r"\1", url)  # first alternative of a named group
    url = url.replace("^", "").replace("$", "").replace(".*", "missing")
    return "/" + url


def missing_entries() -> list[str]:
    return [p for p in all_patterns() if p not in MATRIX and not is_admin_rule(p)]


# --- personas ----------------------------------------------------------------------

@pytest.fixture
def personas(people, tree):
    leader_a2 = get_user_model().objects.create_user(username="leader_a2", password="pw-for-tests-1")
    membership_grant(user=leader_a2, organization=tree.school_a2, role=Role.SCHOOL_LEADER)
    return {
        "anonymous": None, "staff_A": people.school_staff, "leader_A": people.school_leader,
        "staff_A2": people.outsider, "leader_A2": leader_a2, "staff_B": people.other_school_staff,
        "staff_C": people.city_school_staff, "inspector_DA": people.district_inspector,
        "leader_DA": people.district_leader, "inspector_DB": people.other_district_inspector,
        "leader_DB": people.other_district_leader, "inspector_city": people.city_inspector,
        "leader_city": people.city_leader, "admin_city": people.city_admin,
    }


def _cases() -> list[tuple[str, Case]]:
    rows = []
    for pattern in all_patterns():
        if pattern in MATRIX:
            entry = MATRIX[pattern]
            rows += [(pattern, case) for case in (entry if isinstance(entry, tuple) else (entry,))]
        elif is_admin_rule(pattern):
            rows.append((pattern, Case(ADMIN_RULE, url=concrete_url(pattern))))
    return rows


def _status(user, case: Case, pattern: str) -> int:
    client = Client()
    if user is not None:
        client.force_login(user)
    url = case.url or concrete_url(pattern)
    return getattr(client, case.method)(url, case.data).status_code


# --- the tests ---------------------------------------------------------------------

def test_every_url_pattern_has_a_matrix_entry():
    missing = missing_entries()
    assert not missing, (
        f"{len(missing)} URL pattern(s) have no permission-matrix entry in tests/test_permission_matrix.py "
        "(add one per pattern with the expected status for every persona):\n  " + "\n  ".join(missing))


def test_matrix_entries_name_existing_patterns_and_every_persona():
    patterns = set(all_patterns())
    stale = [p for p in MATRIX if p not in patterns]
    assert not stale, f"entries for patterns that no longer exist: {stale}"
    for pattern, entry in MATRIX.items():
        for case in entry if isinstance(entry, tuple) else (entry,):
            assert set(case.expect) == set(PERSONAS), pattern


def test_matrix_outcomes(personas):
    failures = []
    cases = _cases()
    for pattern, case in cases:
        for persona in PERSONAS:
            got = _status(personas[persona], case, pattern)
            if got != case.expect[persona]:
                failures.append(f"{case.method.upper()} {case.url or concrete_url(pattern)} [{pattern}] "
                                f"as {persona}: expected {case.expect[persona]}, got {got}")
    size = len(cases) * len(PERSONAS)
    assert not failures, f"{len(failures)} of {size} matrix cells differ:\n  " + "\n  ".join(failures)
