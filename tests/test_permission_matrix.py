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
import datetime
import os
import re
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from organizations.roles import Role
from organizations.services import membership_grant

from webhooks.models import Endpoint

from .matrix_world import build_world

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


def only(allowed: tuple, status=200, *, others=403, anonymous=302, skip=()):
    return {"anonymous": anonymous, **{p: (None if p in skip else status if p in allowed else others)
                                       for p in SIGNED_IN}}


# Who sees what (organizations.policy and the selectors): school A's people and the authorities above it see
# school A's orders and announced visits; a surprise visit before check-in only those who inspect or lead A;
# a clue only district A's and the city's inspectors and leaders; a city draw the city's leader and admin.
INSPECTORS = ("inspector_DA", "inspector_DB", "inspector_city")
LEADERS = ("leader_DA", "leader_DB", "leader_city")
SEES_A = ("staff_A", "leader_A", "inspector_DA", "leader_DA", "inspector_city", "leader_city", "admin_city")
SEES_SECRET = ("inspector_DA", "leader_DA", "inspector_city", "leader_city")
SEES_CLUE = SEES_SECRET
TEAM = ("inspector_DA", "inspector_city")            # both visits: district A's inspector leads, the city's joins
LEADERS_OF_A = ("leader_DA", "leader_city")


def _seen_by(seers, default, *, allowed, status, anonymous, skip):
    def cell(p):
        if p in skip:
            return None  # not requested here: this person's POST would change the state (see the note)
        if p not in seers:
            return 404
        return status if allowed is not None and p in allowed else default
    return {"anonymous": anonymous, **{p: cell(p) for p in SIGNED_IN}}


def sees_a(default, *, allowed=None, status=None, anonymous=302, skip=()):
    """`default` for those who see school A's objects (`status` for the `allowed` among them), 404 for the rest."""
    return _seen_by(SEES_A, default, allowed=allowed, status=status, anonymous=anonymous, skip=skip)


def sees_secret(default, *, allowed=None, status=None, anonymous=302, skip=()):
    return _seen_by(SEES_SECRET, default, allowed=allowed, status=status, anonymous=anonymous, skip=skip)


def sees_clue(default, *, anonymous=302, skip=()):
    return _seen_by(SEES_CLUE, default, allowed=None, status=None, anonymous=anonymous, skip=skip)


def city_draw(default, *, skip=(), admin=None):
    """The city's draw records: its leader and admin see them; only the leader runs draws (admin → 403)."""
    allowed = ("admin_city",) if admin is not None else None
    return _seen_by(("leader_city", "admin_city"), default, allowed=allowed, status=admin, anonymous=302, skip=skip)


def sees_clue_step(doers):
    return _seen_by(SEES_CLUE, 403, allowed=doers, status=302, anonymous=302, skip=())


# API POSTs with an empty body on the "rechecking" order; 401 anonymous, 404 for who cannot see it.
API_ORDER_POST = {
    "sign": sees_a(403, allowed=("leader_A",), status=409, anonymous=401),
    "report": sees_a(400, anonymous=401),
    "recheck": sees_a(400, anonymous=401),
    "approve": sees_a(409, anonymous=401),
    "extension": sees_a(400, anonymous=401),
    "decide": sees_a(403, allowed=LEADERS_OF_A, status=409, anonymous=401),
}
# API POSTs with an empty body on the surprise visit (not checked in): the school gets 404, as for a GET.
# The empty body is refused (400) before the person is asked about, for all who see the visit; submit has
# no input and answers 403 to all but the lead inspector, who gets 409 (nothing recorded yet).
API_VISIT_POST = {
    "check-in": sees_secret(400, anonymous=401),
    "results": sees_secret(400, anonymous=401),
    "findings": sees_secret(400, anonymous=401),
    "sign": sees_secret(400, anonymous=401),
    "submit": sees_secret(403, allowed=("inspector_DA",), status=409, anonymous=401),
    "review": sees_secret(400, anonymous=401),
    "photos": sees_a(400, anonymous=401),
}


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
    # --- orders: school A's order in "rechecking" (world.order), its photo and its decided extension ---
    "orders/": Case(signed_in(200)),
    "orders/new/": Case(only(INSPECTORS, 200)),
    "orders/<int:pk>/": Case(sees_a(200), url="/orders/{order}/"),
    "orders/<int:pk>/files/<int:attachment_pk>/": Case(sees_a(200), url="/orders/{order}/files/{evidence}/"),
    "orders/<int:pk>/files/<int:attachment_pk>/thumb/": Case(sees_a(200), url="/orders/{order}/files/{evidence}/thumb/"),
    "orders/<int:pk>/files/<int:attachment_pk>/original/": Case(sees_a(200), url="/orders/{order}/files/{evidence}/original/"),
    "orders/<int:pk>/files/<int:attachment_pk>/verify/": Case(sees_a(200), url="/orders/{order}/files/{evidence}/verify/"),
    # page POSTs with no or invalid data, or not allowed in "rechecking": those who see the order get the
    # refusal as a message on the order page (302), nobody else learns it exists (404); state is checked after.
    **{f"orders/<int:pk>/{action}/": (Case(sees_a(302), url=f"/orders/{{order}}/{action}/", method="post"),
                                      Case(signed_in(405), url=f"/orders/{{order}}/{action}/"))
       for action in ("sign", "report", "recheck", "approve", "extension")},
    "orders/extensions/<int:pk>/decide/": (Case(sees_a(302), url="/orders/extensions/{extension}/decide/", method="post"),
                                           Case(signed_in(405), url="/orders/extensions/{extension}/decide/")),
    "api/v1/orders/": Case(signed_in(200, anonymous=401)),
    "api/v1/orders/<int:pk>/": Case(sees_a(200, anonymous=401), url="/api/v1/orders/{order}/"),
    **{f"api/v1/orders/<int:pk>/{action}/": (
        Case(API_ORDER_POST[action], url=f"/api/v1/orders/{{order}}/{action}/", method="post"),
        Case(signed_in(405, anonymous=401), url=f"/api/v1/orders/{{order}}/{action}/"))
       for action in ("sign", "report", "recheck", "approve", "extension")},
    "api/v1/extensions/<int:pk>/decide/": (
        Case(API_ORDER_POST["decide"], url="/api/v1/extensions/{extension}/decide/", method="post"),
        Case(signed_in(405, anonymous=401), url="/api/v1/extensions/{extension}/decide/")),
    "api/v1/tasks/": Case(signed_in(200, anonymous=401)),
    "api/v1/ledger/": Case(signed_in(200, anonymous=401)),
    # Programmes (行动计划督办): the matrix world has none, so every named object is 404 to everyone signed in;
    # who sees and does what is tested by persona in tests/test_programmes*.py (units outside the tree).
    "programmes/": Case(signed_in(200)),
    **{f"programmes/{p}": Case(signed_in(404), url=f"/programmes/{p.replace('<int:pk>', '999999')}")
       for p in ("<int:pk>/", "<int:pk>/export.xlsx", "tasks/<int:pk>/", "reports/<int:pk>/",
                 "reports/<int:pk>/evidence/")},
    **{f"programmes/{p}": Case(signed_in(404), url=f"/programmes/{p.replace('<int:pk>', '999999')}", method="post")
       for p in ("tasks/<int:pk>/report/", "reports/<int:pk>/decide/")},
    **{f"programmes/{p}": Case(signed_in(404), url=f"/programmes/{p.replace('<int:pk>', '999999')}")
       for p in ("filing-requests/<int:pk>/", "filings/<int:pk>/", "filings/<int:pk>/document/")},
    **{f"programmes/{p}": Case(signed_in(404), url=f"/programmes/{p.replace('<int:pk>', '999999')}", method="post")
       for p in ("filing-requests/<int:pk>/file/", "filings/<int:pk>/decide/")},
    "api/v1/filing-requests/": Case(signed_in(200, anonymous=401)),
    "api/v1/filings/": Case(signed_in(200, anonymous=401)),
    **{f"api/v1/{p}": Case(signed_in(404, anonymous=401), url=f"/api/v1/{p.replace('<int:pk>', '999999')}",
                           method="post")
       for p in ("filing-requests/<int:pk>/file/", "filings/<int:pk>/review/")},
    "api/v1/programmes/": Case(signed_in(200, anonymous=401)),
    "api/v1/programme-tasks/": Case(signed_in(200, anonymous=401)),
    "api/v1/programme-reports/": Case(signed_in(200, anonymous=401)),
    **{f"api/v1/{p}": Case(signed_in(404, anonymous=401), url=f"/api/v1/{p.replace('<int:pk>', '999999')}")
       for p in ("programmes/<int:pk>/", "programme-tasks/<int:pk>/", "programme-reports/<int:pk>/")},
    **{f"api/v1/{p}": Case(signed_in(404, anonymous=401), url=f"/api/v1/{p.replace('<int:pk>', '999999')}",
                           method="post")
       for p in ("programme-tasks/<int:pk>/reports/", "programme-reports/<int:pk>/sign/",
                 "programme-reports/<int:pk>/review/")},
    # Self-inspection (学校自查): the matrix world has none, so every named object is 404 to everyone signed in;
    # who sees and does what is tested by persona in tests/test_selfchecks*.py.
    "selfchecks/": Case(signed_in(200)),
    "selfchecks/agreement/": Case(signed_in(404)),  # no organisation named
    **{f"selfchecks/{p}": Case(signed_in(404), url=f"/selfchecks/{p.replace('<int:pk>', '999999')}")
       for p in ("<int:pk>/", "requests/<int:pk>/")},
    **{f"selfchecks/{p}": Case(signed_in(404), url=f"/selfchecks/{p.replace('<int:pk>', '999999')}", method="post")
       for p in ("requests/new/", "requests/<int:pk>/start/", "<int:pk>/results/", "<int:pk>/findings/",
                 "<int:pk>/submit/", "<int:pk>/sign/", "findings/<int:pk>/plan/", "findings/<int:pk>/close/")},
    "api/v1/revisit-campaigns/": Case(signed_in(405, anonymous=401)),  # create only (POST), tested in test_revisit.py
    "api/v1/revisit-campaigns/<int:pk>/": Case(signed_in(404, anonymous=401), url="/api/v1/revisit-campaigns/999999/"),
    "api/v1/selfcheck-requests/": Case(signed_in(200, anonymous=401)),
    "api/v1/selfchecks/": Case(signed_in(200, anonymous=401)),
    "api/v1/selfchecks/agreement/": Case(signed_in(404, anonymous=401)),
    **{f"api/v1/{p}": Case(signed_in(404, anonymous=401), url=f"/api/v1/{p.replace('<int:pk>', '999999')}")
       for p in ("selfcheck-requests/<int:pk>/", "selfchecks/<int:pk>/")},
    **{f"api/v1/{p}": Case(signed_in(404, anonymous=401), url=f"/api/v1/{p.replace('<int:pk>', '999999')}",
                           method="post")
       for p in ("selfcheck-requests/<int:pk>/start/", "selfchecks/<int:pk>/results/", "selfchecks/<int:pk>/findings/",
                 "selfchecks/<int:pk>/submit/", "selfchecks/<int:pk>/sign/", "selfcheck-findings/<int:pk>/plan/",
                 "selfcheck-findings/<int:pk>/close/")},
    # 绩效评价 and programme links: none exist in the matrix world (persona rules: tests/test_programmes_evaluation.py).
    **{f"programmes/{p}": Case(signed_in(404), url=f"/programmes/{p.replace('<int:pk>', '999999')}")
       for p in ("<int:pk>/evaluations/", "evaluations/<int:pk>/", "scorecards/<int:pk>/")},
    "programmes/evaluation-versions/<int:pk>/export.<str:fmt>": Case(
        signed_in(404), url="/programmes/evaluation-versions/999999/export.xlsx"),
    "programmes/evaluations/<int:pk>/public/": Case(everyone(404), url="/programmes/evaluations/999999/public/"),
    **{f"programmes/{p}": Case(signed_in(404), url=f"/programmes/{p.replace('<int:pk>', '999999')}", method="post")
       for p in ("<int:pk>/evaluations/new/", "evaluations/<int:pk>/weights/", "evaluation-versions/<int:pk>/recompute/",
                 "evaluation-versions/<int:pk>/publish/", "scorecards/<int:pk>/comment/")},
    "api/v1/evaluations/": Case(signed_in(200, anonymous=401)),
    **{f"api/v1/{p}": Case(signed_in(404, anonymous=401), url=f"/api/v1/{p.replace('<int:pk>', '999999')}")
       for p in ("evaluations/<int:pk>/", "evaluation-versions/<int:pk>/scorecards/", "scorecards/<int:pk>/")},
    **{f"api/v1/{p}": Case(signed_in(404, anonymous=401), url=f"/api/v1/{p.replace('<int:pk>', '999999')}",
                           method="post")
       for p in ("programmes/<int:pk>/evaluations/", "programmes/<int:pk>/links/", "evaluations/<int:pk>/weights/",
                 "evaluation-versions/<int:pk>/recompute/", "evaluation-versions/<int:pk>/publish/",
                 "scorecards/<int:pk>/comment/", "scorecards/<int:pk>/comment-review/")},
    # --- visits: the checked-in routine visit (world.routine) and the planned surprise visit (world.surprise) ---
    "visits/": Case(signed_in(200)),
    "visits/plan/": Case(only(INSPECTORS + LEADERS)),
    "visits/<int:pk>/": (Case(sees_a(200), url="/visits/{routine}/"), Case(sees_secret(200), url="/visits/{surprise}/")),
    "visits/<int:pk>/record/": (Case(sees_a(200), url="/visits/{routine}/record/"),
                                Case(sees_secret(200), url="/visits/{surprise}/record/")),
    "visits/<int:pk>/summary/": (Case(sees_a(200), url="/visits/{routine}/summary/"),
                                 Case(sees_secret(200), url="/visits/{surprise}/summary/"),
                                 Case(sees_a(403, skip=("inspector_DA",)), url="/visits/{routine}/summary/",
                                      method="post")),  # the lead would submit: see test_visits_flow
    # the team (district A's inspector leads, the city inspector is a member) conducts; the record is signed,
    # so the checklist page sends them back to the visit (302)
    "visits/<int:pk>/conduct/": (Case(sees_a(403, allowed=TEAM, status=302), url="/visits/{routine}/conduct/"),
                                 # planned: the team's tablets keep its checklist for a check-in made offline
                                 Case(sees_secret(403, allowed=TEAM, status=200), url="/visits/{surprise}/conduct/")),
    # the outbox's check-in (device time, captured offline): an empty body is refused before anything else
    "visits/<int:pk>/check-in/": Case(sees_secret(400, anonymous=401), url="/visits/{surprise}/check-in/", method="post"),
    "visits/<int:pk>/sign/": (Case(sees_a(403, allowed=TEAM, status=200), url="/visits/{routine}/sign/"),
                              Case(sees_secret(403, allowed=TEAM, status=200), url="/visits/{surprise}/sign/")),
    "visits/<int:pk>/review/": (Case(sees_a(403, allowed=LEADERS_OF_A, status=200), url="/visits/{routine}/review/"),
                                Case(sees_secret(403, allowed=LEADERS_OF_A, status=200), url="/visits/{surprise}/review/"),
                                # an empty POST: refused before anything is read, then 400 (a return needs its reason)
                                Case(sees_a(403, allowed=LEADERS_OF_A, status=400), url="/visits/{routine}/review/",
                                     method="post")),
    "visits/<int:pk>/findings/<int:finding_pk>/delete/": (
        Case(sees_a(403, allowed=TEAM, status=409), url="/visits/{routine}/findings/{finding}/delete/"),
        Case(sees_a(403, allowed=TEAM, status=409), url="/visits/{routine}/findings/{finding}/delete/", method="post")),
    "visits/<int:pk>/photos/<int:attachment_pk>/": Case(sees_a(200), url="/visits/{routine}/photos/{visit_photo}/"),
    "visits/<int:pk>/photos/<int:attachment_pk>/thumb/": Case(sees_a(200), url="/visits/{routine}/photos/{visit_photo}/thumb/"),
    "visits/<int:pk>/signature.png": (Case(sees_a(200), url="/visits/{routine}/signature.png"),
                                      Case(sees_secret(404, allowed=(), status=404), url="/visits/{surprise}/signature.png")),
    "visits/checklists/": Case(only(ADMINS)),
    "visits/checklists/<int:pk>/": Case(only(ADMINS, others=404), url="/visits/checklists/{template}/"),
    "visits/checklists/<int:pk>/copy/": Case(only(ADMINS, others=404, skip=ADMINS), url="/visits/checklists/{template}/copy/", method="post"),
    "visits/checklists/<int:pk>/items/<str:code>/": Case(only(ADMINS, others=404, skip=ADMINS),
                                                         url="/visits/checklists/{template}/items/A1/", method="post"),
    # plan a visit: an empty body is the form's refusal (400) for whoever may plan somewhere, 403 for the rest
    "api/v1/visits/": (Case(signed_in(200, anonymous=401)),
                       Case(only(INSPECTORS + LEADERS, 400, anonymous=401), method="post")),
    "api/v1/visits/team-candidates/": Case(only(SEES_SECRET, 200, others=404, anonymous=401),
                                           url="/api/v1/visits/team-candidates/?school={school_a}"),
    "api/v1/visits/<int:pk>/": (Case(sees_a(200, anonymous=401), url="/api/v1/visits/{routine}/"),
                                Case(sees_secret(200, anonymous=401), url="/api/v1/visits/{surprise}/")),
    "api/v1/visits/<int:pk>/findings/<int:finding_pk>/": Case(sees_a(200, anonymous=401), url="/api/v1/visits/{routine}/findings/{finding}/"),
    **{f"api/v1/visits/<int:pk>/{action}/": Case(API_VISIT_POST[action], url=f"/api/v1/visits/{{surprise}}/{action}/", method="post")
       for action in ("check-in", "results", "findings", "sign", "submit", "review")},
    "api/v1/visits/<int:pk>/findings/<int:finding_pk>/photos/": Case(
        API_VISIT_POST["photos"], url="/api/v1/visits/{routine}/findings/{finding}/photos/", method="post"),
    # the outbox names a finding by its client UUID: an empty photo upload is refused (400) for who sees the
    # visit; a deletion of a UUID that names no finding is 404 for everyone (nothing is deleted here)
    "api/v1/visits/<int:pk>/findings/<uuid:finding_uuid>/photo/": Case(
        sees_a(400, anonymous=401), url="/api/v1/visits/{routine}/findings/8b4e0c37-3f0e-4d2a-9d6e-2f4b1a7c9e01/photo/",
        method="post"),
    "api/v1/visits/<int:pk>/findings/<uuid:finding_uuid>/": Case(
        {**signed_in(404, anonymous=401)}, url="/api/v1/visits/{routine}/findings/8b4e0c37-3f0e-4d2a-9d6e-2f4b1a7c9e01/",
        method="delete"),
    # the visit screens' service worker and manifest hold no data: served to anyone, so the tablet can install them
    "visits/sw.js": Case(everyone(200)),
    "visits/manifest.webmanifest": Case(everyone(200)),
    # --- clues: district A's hotline clue with a named complainant (world.clue) ---
    "clues/": Case(signed_in(200)),
    "clues/new/": Case(only(INSPECTORS + LEADERS)),
    "clues/keys/": Case(only(ADMINS)),
    "clues/<int:pk>/": Case(sees_clue(200), url="/clues/{clue}/"),
    # who may do the step gets the refusal of the empty form on the clue page (302), other seers 403
    **{f"clues/<int:pk>/{action}/": Case(sees_clue_step(who), url=f"/clues/{{clue}}/{action}/", method="post")
       for action, who in (("triage", LEADERS_OF_A), ("verify-desk", ("inspector_DA", "inspector_city")),
                           ("verify-visit", SEES_CLUE), ("reply", LEADERS_OF_A), ("close", LEADERS_OF_A))},
    "clues/keys/<int:pk>/revoke/": Case(only(ADMINS, others=404, skip=ADMINS), url="/clues/keys/{clue_key}/revoke/", method="post"),
    "api/v1/clues/": Case(signed_in(200, anonymous=401)),
    "api/v1/clues/<int:pk>/": Case(sees_clue(200, anonymous=401), url="/api/v1/clues/{clue}/"),
    # the clue's steps over the API (world.clue is registered, not yet triaged): an empty body is 400 for whoever
    # sees the clue; closing takes no body: the leaders get 409 (not replied yet), other seers 403
    "api/v1/clues/register/": (Case(signed_in(400, anonymous=401), method="post"),
                               Case(signed_in(405, anonymous=401))),
    **{f"api/v1/clues/<int:pk>/{step}/": Case(sees_clue(400, anonymous=401), url=f"/api/v1/clues/{{clue}}/{step}/",
                                               method="post")
       for step in ("triage", "verify-desk", "verify-visit", "reply")},
    "api/v1/clues/<int:pk>/close/": Case(_seen_by(SEES_CLUE, 403, allowed=LEADERS_OF_A, status=409, anonymous=401,
                                                  skip=()), url="/api/v1/clues/{clue}/close/", method="post"),
    # campaigns and draws over the API: the city's campaign and its published draw, seen by its leader and admin
    "api/v1/campaigns/": (Case(signed_in(200, anonymous=401)), Case(signed_in(400, anonymous=401), method="post")),
    "api/v1/campaigns/<int:pk>/": Case(_seen_by(("leader_city", "admin_city"), 200, allowed=None, status=None,
                                                anonymous=401, skip=()), url="/api/v1/campaigns/{campaign}/"),
    "api/v1/campaigns/<int:pk>/risk-weights/": Case(_seen_by(("leader_city", "admin_city"), 200, allowed=None,
                                                            status=None, anonymous=401, skip=()),
                                                   url="/api/v1/campaigns/{campaign}/risk-weights/"),
    # an empty draw body is a valid draw of the whole pool: the leader is not asked (it would make a draw)
    "api/v1/campaigns/<int:pk>/draws/": Case(_seen_by(("leader_city", "admin_city"), 403, allowed=None, status=None,
                                                      anonymous=401, skip=("leader_city",)),
                                             url="/api/v1/campaigns/{campaign}/draws/", method="post"),
    "api/v1/campaigns/<int:pk>/results/publish/": Case(_seen_by(
        ("leader_city", "admin_city"), 200, allowed=("admin_city",), status=403, anonymous=401, skip=()),
        url="/api/v1/campaigns/{campaign}/results/publish/", method="post"),
    "api/v1/draws/<int:pk>/": Case(_seen_by(("leader_city", "admin_city"), 200, allowed=None, status=None,
                                            anonymous=401, skip=()), url="/api/v1/draws/{draw}/"),
    "api/v1/draws/<int:pk>/publish/": Case(_seen_by(  # published already: 400 to the leader
        ("leader_city", "admin_city"), 400, allowed=("admin_city",), status=403, anonymous=401, skip=()),
        url="/api/v1/draws/{draw}/publish/", method="post"),
    "api/v1/draws/<int:pk>/redraw/": Case(_seen_by(("leader_city", "admin_city"), 400, allowed=None, status=None,
                                                   anonymous=401, skip=()), url="/api/v1/draws/{draw}/redraw/",
                                          method="post"),
    # statistics: counted over what each person sees; a school's scores for who sees the school
    "api/v1/stats/": Case(signed_in(200, anonymous=401)),
    "api/v1/stats/schools/<int:pk>/": Case(sees_a(200, anonymous=401), url="/api/v1/stats/schools/{school_a}/"),
    # the ledger's export over the API: anyone signed in exports what they see; world.export is district A's leader's
    "api/v1/ledger/exports/": (Case(signed_in(201, anonymous=401), method="post"), Case(signed_in(405, anonymous=401))),
    "api/v1/ledger/exports/<int:pk>/": Case(only(("leader_DA",), others=404, anonymous=401),
                                            url="/api/v1/ledger/exports/{export}/"),
    "api/v1/ledger/exports/<int:pk>/download/": Case(only(("leader_DA",), others=404, anonymous=401),
                                                     url="/api/v1/ledger/exports/{export}/download/"),
    # --- draws: the city's published draw (world.draw) of its campaign (world.campaign) ---
    "draws/": Case(signed_in(200)),
    "draws/new/": Case(signed_in(405)),
    "draws/<int:pk>/": Case(city_draw(200), url="/draws/{draw}/"),
    "draws/campaigns/<int:pk>/": Case(city_draw(200), url="/draws/campaigns/{campaign}/"),
    "draws/<int:pk>/publish/": Case(city_draw(302, admin=403), url="/draws/{draw}/publish/", method="post"),
    "draws/<int:pk>/redraw/": Case(city_draw(302), url="/draws/{draw}/redraw/", method="post"),
    "draws/campaigns/<int:pk>/results/publish/": Case(city_draw(302, admin=403), url="/draws/campaigns/{campaign}/results/publish/", method="post"),
    "draws/campaigns/<int:pk>/draw/": Case(city_draw(302, skip=("leader_city",), admin=403), url="/draws/campaigns/{campaign}/draw/", method="post"),
    "draws/conflicts/": Case(only(ADMINS)),
    "draws/conflicts/<int:pk>/delete/": Case(only(ADMINS, others=404, skip=ADMINS), url="/draws/conflicts/{conflict}/delete/", method="post"),
    "public/campaigns/<int:pk>/": Case(everyone(200), url="/public/campaigns/{campaign}/"),
    # --- reports: dashboards, ledger, exports (world.export belongs to district A's leader), PDFs ---
    "reports/": Case(signed_in(200)),
    "reports/ledger/": Case(signed_in(200)),
    "reports/exports/": Case(signed_in(200)),
    "reports/exports/<int:pk>/": Case(only(("leader_DA",), others=404), url="/reports/exports/{export}/"),
    "reports/exports/<int:pk>/status/": Case(only(("leader_DA",), others=404), url="/reports/exports/{export}/status/"),
    "reports/exports/<int:pk>/download/": Case(only(("leader_DA",), others=404), url="/reports/exports/{export}/download/"),
    "reports/schools/<int:pk>/": Case(sees_a(200), url="/reports/schools/{school_a}/"),
    "reports/orders/<int:pk>/pdf/": Case(sees_a(200), url="/reports/orders/{order}/pdf/"),
    "reports/visits/<int:pk>/pdf/": (Case(sees_a(200), url="/reports/visits/{routine}/pdf/"),
                                     Case(sees_secret(409), url="/reports/visits/{surprise}/pdf/")),
    # --- notifications: world.notification is school A staff's ---
    "notifications/": Case(signed_in(200)),
    "notifications/bell/": Case(signed_in(200)),
    "notifications/<int:pk>/open/": Case(only(("staff_A",), 302, others=404), url="/notifications/{notification}/open/"),
    "notifications/mark-all-read/": Case(signed_in(405)),
    "notifications/preferences/": Case(signed_in(405)),
    # --- organisations and my profile over the API: school A is seen by its people and the authorities above ---
    "api/v1/me/": Case(signed_in(200, anonymous=401)),
    "api/v1/organizations/": Case(signed_in(200, anonymous=401)),
    "api/v1/organizations/<int:pk>/": Case(sees_a(200, anonymous=401), url="/api/v1/organizations/{school_a}/"),
    "api/v1/schools/": Case(signed_in(200, anonymous=401)),
    "api/v1/schools/<int:pk>/": Case(sees_a(200, anonymous=401), url="/api/v1/schools/{school_a}/"),
    "api/v1/notifications/": Case(signed_in(200, anonymous=401)),
    "api/v1/notifications/unread-count/": Case(signed_in(200, anonymous=401)),
    "api/v1/notifications/<int:pk>/read/": (
        Case(only(("staff_A",), 200, others=404, anonymous=401), url="/api/v1/notifications/{notification}/read/",
             method="post"),
        Case(signed_in(405, anonymous=401), url="/api/v1/notifications/{notification}/read/")),
    "api/v1/notifications/mark-all-read/": (Case(signed_in(200, anonymous=401), method="post"),
                                            Case(signed_in(405, anonymous=401))),
    # --- admins' own screens (organizations/views_admin.py; tests/test_admin_screens.py has the real people):
    # the city admin manages the whole tree, everyone else gets 403; an empty form is a 400, nothing hangs
    # under a school (404), person 0 is nobody (404)
    "manage/orgs/": Case(only(ADMINS)),
    "manage/orgs/<int:pk>/": (Case(only(ADMINS), url="/manage/orgs/{school_a}/"),
                              Case(only(ADMINS, 400), url="/manage/orgs/{school_a}/", method="post")),
    "manage/orgs/<int:pk>/add/": Case(only(ADMINS, 404), url="/manage/orgs/{school_a}/add/"),
    # --- integrators' webhooks: world.webhook is the city's; admins only (a stranger's is 404) ---
    "api/v1/webhooks/": (Case(signed_in(200, anonymous=401)), Case(signed_in(400, anonymous=401), method="post")),
    "api/v1/webhooks/events/": Case(signed_in(200, anonymous=401)),
    "api/v1/webhooks/<int:pk>/": (Case(only(ADMINS, others=404, anonymous=401), url="/api/v1/webhooks/{webhook}/"),
                                  Case(only(ADMINS, 204, others=404, anonymous=401, skip=ADMINS),
                                       url="/api/v1/webhooks/{webhook}/", method="delete")),
    "api/v1/webhooks/<int:pk>/rotate-secret/": Case(only(ADMINS, others=404, anonymous=401, skip=ADMINS),
                                                    url="/api/v1/webhooks/{webhook}/rotate-secret/", method="post"),
    "api/v1/webhooks/<int:pk>/deliveries/": Case(only(ADMINS, others=404, anonymous=401),
                                                 url="/api/v1/webhooks/{webhook}/deliveries/"),
    "api/v1/people/": Case(signed_in(200, anonymous=401)),
    "api/v1/people/<int:pk>/": Case(only(ADMINS, others=404, anonymous=401), url="/api/v1/people/{people_staff_a}/"),
    "manage/webhooks/": (Case(only(ADMINS)), Case(only(ADMINS, 400), method="post")),
    # the page's admin_only answers 403 to who administers nothing (as manage/people/); another admin gets 404
    # (tests/test_webhooks_pages.py)
    "manage/webhooks/<int:pk>/rotate/": Case(only(ADMINS, skip=ADMINS), url="/manage/webhooks/{webhook}/rotate/",
                                             method="post"),
    "manage/webhooks/<int:pk>/delete/": Case(only(ADMINS, skip=ADMINS), url="/manage/webhooks/{webhook}/delete/",
                                             method="post"),
    "manage/people/": Case(only(ADMINS)),
    "manage/people/new/": (Case(only(ADMINS)), Case(only(ADMINS, 400), method="post")),
    "manage/people/<int:pk>/": Case(only(ADMINS, 404), url="/manage/people/0/"),
    **{f"manage/people/<int:pk>/{action}": (Case(only(ADMINS, 404), url=f"/manage/people/0/{action}", method="post"),
                                           Case(only(ADMINS, 405), url=f"/manage/people/0/{action}"))
       for action in ("roles/", "password/", "active/")},
    "manage/people/<int:pk>/roles/<int:membership_pk>/revoke/": Case(
        only(ADMINS, 404), url="/manage/people/0/roles/0/revoke/", method="post"),
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


# --- viewflow's own flow apps: a rule per app, requested for every pattern with real ids -------------
#
# rectification/ ... for school A's order (world.order), clue/ ... for district A's clue (world.clue),
# visit/ ... for the surprise visit (world.surprise). Per persona (flow_guard.py and the nodes' permissions):
# anonymous → 302 (login); a persona the app is not for → 403 on every URL; lists → 200 (filtered), bulk
# assign/unassign → 302; a process or task of a process the persona may not see → 404; a task URL naming
# another node's task → 404; on a visible task: detail 200, index 302, assign 200 only for holders of the
# node's permission while the task is open, unassign 200 only for the task's owner, execute 200 only for
# the owner of an assigned task, everything else (revive, undo, cancel, process cancel) 403.

@dataclass(frozen=True)
class FlowApp:
    world_object: str       # attribute of the world whose .process the URLs name
    users: tuple            # personas the app is for
    seers: tuple            # personas who may see that process
    open_task_holders: dict  # node → personas holding its permission
    anonymous: int = 302


FLOW_APPS = {
    "rectification/": FlowApp("order", SIGNED_IN, SEES_A, {"recheck": ("inspector_DA", "inspector_city")}),
    "clue/": FlowApp("clue", INSPECTORS + LEADERS, SEES_CLUE, {"triage": LEADERS_OF_A}),
    # Visits are worked in /visits/ (tablet pages); viewflow's visit app is closed to everyone, and it
    # refuses before asking for a login (403, not 302): nothing of any visit shows there.
    "visit/": FlowApp("surprise", (), SEES_SECRET, {"conduct": TEAM}, anonymous=403),
}
_TASK_URL = re.compile(r"^<int:process_pk>/(?P<node>\w+)/<int:task_pk>/(?P<action>\w*/?)$")
_PROCESS_URL = re.compile(r"^<int:process_pk>/(?P<action>\w*/?)$")


def flow_app_of(pattern: str) -> str | None:
    return next((prefix for prefix in FLOW_APPS if pattern.startswith(prefix)), None)


def _task_cell(app: FlowApp, persona, user, task, node, action) -> int:
    from viewflow.workflow.status import STATUS

    if task is None:
        return 404
    owner = user is not None and task.owner_id == user.pk
    return {"": 302, "detail/": 200,
            "assign/": 200 if task.status == STATUS.NEW and persona in app.open_task_holders.get(node, ()) else 403,
            "unassign/": 200 if owner else 403,
            "execute/": 200 if owner and task.status == STATUS.ASSIGNED else 403}.get(action, 403)


def flow_expect(app: FlowApp, pattern: str, users: dict, process) -> tuple[str, dict]:
    rest = pattern[len(flow_app_of(pattern)):]
    task_m, process_m = _TASK_URL.match(rest), _PROCESS_URL.match(rest)
    tasks = {t.flow_task.name: t for t in process.task_set.order_by("pk")}
    start = process.task_set.order_by("pk").first()
    task = tasks.get(task_m["node"]) if task_m else None
    url = "/" + pattern.replace("<int:process_pk>", str(process.pk)).replace(
        "<int:task_pk>", str((task or start).pk))  # another node's task: must answer 404

    def cell(persona):
        if persona == "anonymous":
            return app.anonymous
        if persona not in app.users:
            return 403
        if not (task_m or process_m):
            return 302 if rest in ("queue/assign/", "inbox/unassign/") else 200
        if persona not in app.seers:
            return 404
        if process_m:
            return 403 if process_m["action"] == "cancel/" else 200
        return _task_cell(app, persona, users[persona], task, task_m["node"], task_m["action"])
    return url, {p: cell(p) for p in PERSONAS}


def _cases(world=None, users=None) -> list[tuple[str, Case]]:
    rows = []
    for pattern in all_patterns():
        if pattern in MATRIX:
            entry = MATRIX[pattern]
            rows += [(pattern, case) for case in (entry if isinstance(entry, tuple) else (entry,))]
        elif is_admin_rule(pattern):
            rows.append((pattern, Case(ADMIN_RULE, url=concrete_url(pattern))))
        elif flow_app_of(pattern) and world is not None:
            app = FLOW_APPS[flow_app_of(pattern)]
            url, expect = flow_expect(app, pattern, users, getattr(world, app.world_object).process)
            rows.append((pattern, Case(expect, url=url)))
    return rows


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _session_client(user) -> Client:
    """A fresh client signed in as `user`: what force_login stores in the session, without its login signals
    (last_login, the lockout bookkeeping), so that a POST cell costs one request, not a login and a request."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    client = Client()
    if user is not None:
        session = SessionStore()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = client._get_backend()  # the backend force_login would name
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def _status(clients: dict, persona: str, user, case: Case, pattern: str, ids: dict) -> int:
    # GETs reuse one signed-in client per persona (they change nothing); other methods
    # (a logout, say) get a fresh one so they cannot affect later cells.
    if case.method == "get":
        if persona not in clients:
            clients[persona] = _client(user)
        client = clients[persona]
    else:
        client = _session_client(user)
    return getattr(client, case.method)(fill(case.url or concrete_url(pattern), ids), case.data).status_code


def fill(url: str, ids: dict) -> str:
    """Put the world's ids into an entry's URL: "/orders/{order}/" → "/orders/7/"."""
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), url)


def world_ids(world, tree) -> dict:
    names = ("order", "evidence", "extension", "routine", "surprise", "finding", "visit_photo", "template", "clue",
             "clue_key", "draw", "campaign", "conflict", "export", "notification", "webhook")
    return {**{n: getattr(world, n).pk for n in names}, "school_a": tree.school_a.pk,
            "people_staff_a": world.notification.recipient_id}  # school A's staff (the notification's recipient)


def state_of(world) -> dict:
    """What no refused request may change: the state of every representative object."""
    from inspections.models import Clue, ClueAccessKey, Conflict, Draw, RectificationOrder, Visit

    return {
        "order": RectificationOrder.objects.filter(pk=world.order.pk).values("status", "round", "overdue_count", "escalation_level").get(),
        "tasks": list(world.order.process.task_set.values_list("pk", "status", "owner_id").order_by("pk")),
        "visits": list(Visit.objects.values_list("pk", "status", "checkin_at").order_by("pk")),
        "findings": world.routine.findings.count() + world.surprise.findings.count(),
        "clue": Clue.objects.filter(pk=world.clue.pk).values("status", "decision").get(),
        "draws": list(Draw.objects.values_list("pk", "published_at").order_by("pk")),
        "conflicts": Conflict.objects.count(), "keys": list(ClueAccessKey.objects.values_list("pk", "is_active")),
        "webhooks": list(Endpoint.objects.values_list("pk", "secret", "url").order_by("pk")),
    }


# --- the tests ---------------------------------------------------------------------

def test_every_url_pattern_has_a_matrix_entry():
    missing = [p for p in missing_entries() if not flow_app_of(p)]
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
    assert all(flow_app_of(p) is None for p in MATRIX)  # flow apps are the FLOW_APPS rules only


# --- the outcomes: real requests, in shards that pytest-xdist spreads over its workers -------------------
#
# Each permission rule is asserted twice. Directly, for every persona: who sees each object of the world
# (the selectors every page and API view asks: orders, visits, clues, draws, notifications, schools), and for
# the generated families — viewflow's flow apps (hundreds of node × action URLs) and the Django admin — that
# the guard wraps every pattern, the app's permission and the process visibility per persona, that every
# admin pattern is behind admin_view and that admin_view admits no persona. And over HTTP, for every
# pattern, as a sample of personas that holds anonymous, one persona of each status the entry expects (so
# each kind of refusal of that URL is requested) and some that rotate through all personas; the first
# pattern of each kind of action of a flow app and of the admin is requested as every persona.
# The rotation starts at a different persona each day (MATRIX_ROTATE=n repeats a day's sample; a failure
# names it), so that runs on successive days request different cells; MATRIX_FULL=1 requests every cell
# (14 personas × every pattern: about 8,000 requests, several minutes).

FULL = os.environ.get("MATRIX_FULL") == "1"
ROTATE = int(os.environ.get("MATRIX_ROTATE", str(datetime.date.today().toordinal() % len(PERSONAS))))
SHARDS = ("site-1", "site-2", "admin", "flow-rectification", "flow-clue", "flow-visit")


def shard_of(pattern: str) -> str:
    if pattern in MATRIX:
        return f"site-{sum(map(ord, pattern)) % 2 + 1}"
    if is_admin_rule(pattern):
        return "admin"
    return "flow-" + (flow_app_of(pattern) or "?").rstrip("/")


def _action_kind(pattern: str) -> str:
    """What a generated pattern does, without the node it names: the unit of the full-persona rows."""
    rest = pattern.split("/", 1)[1] if "/" in pattern else pattern
    rest = re.sub(r"^<int:process_pk>/\w+/<int:task_pk>/", "TASK/", rest)
    return pattern.split("/", 1)[0] + "/" + re.sub(r"<[^>]+>", "ID", rest)


def sampled_personas(index: int, case: Case, full: bool, rotating: int = 2) -> tuple:
    if full or FULL:
        return PERSONAS
    chosen = {"anonymous"} | {SIGNED_IN[(ROTATE + index + k * 5) % len(SIGNED_IN)] for k in range(rotating)}
    first_with = {}
    for persona in SIGNED_IN:
        first_with.setdefault(case.expect[persona], persona)
    chosen |= set(first_with.values())
    return tuple(p for p in PERSONAS if p in chosen)


def _flow_viewsets() -> dict:
    from config.urls import site

    by_prefix = {}
    for prefix in FLOW_APPS:
        pattern = next(p for p in all_patterns() if p.startswith(prefix))
        match = get_resolver().resolve("/" + pattern.replace("<int:process_pk>", "1").replace("<int:task_pk>", "1"))
        by_prefix[prefix] = next(v for v in site.viewsets if getattr(v, "app_name", None) == match.namespaces[0]
                                 or match.namespaces[0] in (getattr(v, "app_name", None), getattr(v, "namespace", None)))
    return by_prefix


def _is_admin_view(callback, depth=0) -> bool:
    """Does calling `callback` go through AdminSite.admin_view? Either the admin's own URL wrappers (they call
    admin_view at request time, marked with model_admin / admin_site) or admin_view's `inner`, found through
    the closures of the decorators around it (csrf_protect, never_cache)."""
    code = getattr(callback, "__code__", None)
    if code is None or depth > 6:
        return False
    path = code.co_filename.replace("\\", "/")
    if code.co_name == "wrapper" and (getattr(callback, "model_admin", None) or getattr(callback, "admin_site", None)):
        return path.endswith(("contrib/admin/options.py", "contrib/admin/sites.py"))
    if code.co_name == "inner" and path.endswith("contrib/admin/sites.py"):
        return True
    cells = [c.cell_contents for c in (callback.__closure__ or ()) if callable(getattr(c, "cell_contents", None))]
    return any(_is_admin_view(f, depth + 1) for f in cells)


def _site_rule_failures(world, tree, users: dict) -> list[str]:
    from inspections.campaigns.services import draws_visible_to
    from inspections.orders.selectors import orders_visible_to
    from inspections.clues.selectors import clues_visible_to
    from inspections.visits.selectors import visits_visible_to
    from notifications.selectors import notifications_for
    from organizations.policy import visible_orgs

    rules = (  # (what, who may see it, does the persona's selector hold it)
        ("order", SEES_A, lambda u: orders_visible_to(u).filter(pk=world.order.pk).exists()),
        ("routine visit", SEES_A, lambda u: visits_visible_to(u).filter(pk=world.routine.pk).exists()),
        ("surprise visit", SEES_SECRET, lambda u: visits_visible_to(u).filter(pk=world.surprise.pk).exists()),
        ("clue", SEES_CLUE, lambda u: clues_visible_to(u).filter(pk=world.clue.pk).exists()),
        ("draw", ("leader_city", "admin_city"), lambda u: draws_visible_to(u).filter(pk=world.draw.pk).exists()),
        ("notification", ("staff_A",), lambda u: notifications_for(u).filter(pk=world.notification.pk).exists()),
        ("school A", SEES_A, lambda u: visible_orgs(u).filter(pk=tree.school_a.pk).exists()),
    )
    return [f"{what}: visible to {persona} is {sees}, expected {persona in seers}"
            for what, seers, holds in rules for persona in SIGNED_IN
            if (sees := holds(users[persona])) != (persona in seers)]


def direct_rule_failures(shard: str, world, tree, users: dict) -> list[str]:
    """The rule behind a shard's cells, asserted for every persona without HTTP."""
    failures = []
    if shard.startswith("site-"):
        return _site_rule_failures(world, tree, users)
    if shard == "admin":
        for pattern in all_patterns():
            if is_admin_rule(pattern) and not _is_admin_view(get_resolver().resolve(concrete_url(pattern)).func):
                failures.append(f"{pattern}: not behind admin_site.admin_view")
        from django.contrib import admin
        from django.contrib.auth.models import AnonymousUser
        from django.test import RequestFactory

        for persona, user in users.items():
            request = RequestFactory().get("/admin/")
            request.user = user or AnonymousUser()
            if admin.site.has_permission(request):
                failures.append(f"admin_site.has_permission({persona}) is True: the admin rule says nobody here")
        return failures
    prefix = shard.removeprefix("flow-") + "/"
    app, viewset = FLOW_APPS[prefix], _flow_viewsets()[prefix]
    process = getattr(world, app.world_object).process
    for pattern in all_patterns():
        if flow_app_of(pattern) == prefix and prefix != "visit/":
            callback = get_resolver().resolve(concrete_url(pattern).replace("/0/", "/1/")).func
            if not getattr(callback, "flow_guarded", False):
                failures.append(f"{pattern}: not wrapped by workflows.flow_guard")
    for persona in SIGNED_IN:
        user = users[persona]
        if bool(viewset.has_view_permission(user)) != (persona in app.users):
            failures.append(f"{prefix} has_view_permission({persona}) is not {persona in app.users}")
        if hasattr(viewset, "visible_processes"):
            sees = viewset.visible_processes(user).filter(pk=process.pk).exists()
            if sees != (persona in app.seers):
                failures.append(f"{prefix} visible_processes({persona}) holds the process: {sees}")
    return failures


@pytest.mark.parametrize("shard", SHARDS)
def test_matrix_outcomes(shard, personas, people, tree):
    world = build_world(people, tree)
    ids, before = world_ids(world, tree), state_of(world)
    failures, clients, checked, kinds = [], {}, 0, set()
    generated = not shard.startswith("site-")
    failures += direct_rule_failures(shard, world, tree, personas)
    rows = [(pattern, case) for pattern, case in _cases(world, personas) if shard_of(pattern) == shard]
    assert rows, f"no patterns in shard {shard}"
    for index, (pattern, case) in enumerate(rows):
        kind = _action_kind(pattern)
        full = generated and kind not in kinds
        kinds.add(kind)
        for persona in sampled_personas(index, case, full, rotating=2 if generated else 3):
            if case.expect[persona] is None:
                continue
            got = _status(clients, persona, personas[persona], case, pattern, ids)
            checked += 1
            if got != case.expect[persona]:
                failures.append(f"{case.method.upper()} {fill(case.url or concrete_url(pattern), ids)} "
                                f"[{pattern}] as {persona}: expected {case.expect[persona]}, got {got}")
    assert not failures, (f"{len(failures)} of {checked} matrix cells differ (MATRIX_ROTATE={ROTATE}):\n  "
                          + "\n  ".join(failures))
    assert state_of(world) == before, "a refused request changed the state"


def test_every_pattern_is_in_a_shard():
    assert {shard_of(p) for p in all_patterns() if p in MATRIX or is_admin_rule(p) or flow_app_of(p)} <= set(SHARDS)


def test_sample_holds_each_expected_status_and_rotates_over_every_persona():
    case = Case(only(("leader_DA",), others=404))
    assert {case.expect[p] for p in sampled_personas(0, case, False)} == {302, 200, 404}
    covered = set()
    for index in range(len(SIGNED_IN)):
        covered |= set(sampled_personas(index, Case(everyone(403)), False))
    assert covered == set(PERSONAS)


# --- lists, counts, notifications: nothing invisible shows up in them --------------------------------
# (The websocket never delivers another user's notification: tests/test_notifications_consumer.py,
# test_user_receives_only_their_own_notifications and test_user_cannot_mark_another_users_notification_read.)

def _api_ids(client, url) -> set[int]:
    body = client.get(url).json()
    rows = body.get("results", []) if isinstance(body, dict) else body
    return {row["id"] for row in rows}


def test_list_endpoints_hold_only_what_the_persona_may_see(personas, people, tree):
    world = build_world(people, tree)
    for persona in SIGNED_IN:
        client = _client(personas[persona])
        orders, visits = _api_ids(client, "/api/v1/orders/"), _api_ids(client, "/api/v1/visits/")
        assert (world.order.pk in orders) == (persona in SEES_A), persona
        assert (world.routine.pk in visits) == (persona in SEES_A), persona
        assert (world.surprise.pk in visits) == (persona in SEES_SECRET), persona
        assert (world.clue.pk in _api_ids(client, "/api/v1/clues/")) == (persona in SEES_CLUE), persona
        ledger = client.get("/api/v1/ledger/").content.decode()
        assert (world.order.number in ledger) == (persona in SEES_A), persona


def test_school_pages_show_no_surprise_visit_no_clue_and_no_complainant(personas, people, tree):
    from .clue_helpers import CONTACT, NAME

    world = build_world(people, tree)
    for persona in ("staff_A", "leader_A", "staff_A2", "staff_B"):
        client = _client(personas[persona])
        for url in ("/visits/", "/orders/", "/clues/", "/notifications/", "/reports/", "/api/v1/tasks/"):
            body = client.get(url).content.decode()
            assert f"/visits/{world.surprise.pk}/" not in body and NAME not in body and CONTACT not in body, (
                persona, url)
    counts = _client(people.school_staff).get("/visits/").context["counts"]
    assert counts["today"] == 1  # the routine visit only; the surprise visit (also today) is not counted


def test_no_notification_tells_school_a_of_the_surprise_visit_or_the_complainant(people, tree):
    from notifications.models import Notification

    from .clue_helpers import CONTACT, NAME

    world = build_world(people, tree)
    school = [people.school_staff, people.school_leader]
    for n in Notification.objects.filter(recipient__in=school):
        about_it = n.target_type is not None and n.target_type.model == "visit" and n.target_id == str(world.surprise.pk)
        assert not about_it and f"/visits/{world.surprise.pk}/" not in n.link, n.title
    for n in Notification.objects.all():
        assert NAME not in f"{n.title}{n.body}" and CONTACT not in f"{n.title}{n.body}"
    assert not Notification.objects.filter(recipient__in=school, kind__startswith="clue").exists()
