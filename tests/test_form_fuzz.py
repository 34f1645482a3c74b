"""HTML-form fuzzer: every form the project shows answers hostile input with a 4xx (or a redirect), never a 5xx.

Per persona (a shard each, so pytest-xdist spreads them): GET the pages the persona reaches (the permission
matrix's GET entries it may open, then the links on them, one level deep), parse every `<form>` of the
project's own templates, and send each one hypothesis-generated values: NUL bytes, text far over any
length cap, non-integers in number and select fields, impossible dates, unicode edge cases, missing
fields. POSTs carry the page's valid CSRF token (the client enforces CSRF, as a browser session would).
A 5xx or an uncaught exception is a failure; all of a shard's failures are listed at once.

Bounded and deterministic: derandomized hypothesis, FORM_FUZZ_EXAMPLES examples per form (default 8),
at most MAX_PAGES pages per persona, no shrinking (the failing value is printed as it was sent).
"""
import datetime as dt
import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from inspections.orders.services import extension_request, order_sign, report_submit
from inspections.visits.services import visit_sign, visit_submit
from workflows.calendar import add_working_days

from .matrix_world import build_world
from .orders_helpers import flow_app_urls, issue
from .test_permission_matrix import MATRIX, all_patterns, fill, personas, world_ids  # noqa: F401  (a fixture)
from .visits_helpers import conduct, plan, signature_url

EXAMPLES = int(os.environ.get("FORM_FUZZ_EXAMPLES", "8"))
MAX_PAGES = 150
SWEEP_FIELDS = 16
FUZZED = ("anonymous", "staff_A", "leader_A", "inspector_DA", "leader_DA", "inspector_city", "leader_city",
          "admin_city")
# Links not to follow: files and documents (no forms), leaving the session, the admin (not these personas').
SKIP = re.compile(r"logout|\.xlsx|/pdf/|/files/|/photos/|signature\.png|/download/|/thumb/|^/(static|media|admin|"
                  r"jsi18n|i18n)/|/status/$")
SKIP_ACTIONS = re.compile(r"logout")
# Forms everyone sees (sign-in, password reset, language): fuzzed in the anonymous shard only.
ANONYMOUS_FORMS = ("/accounts/login/", "/accounts/password_reset/", "/i18n/setlang/")
FIELD_TAGS = ("input", "textarea", "select", "button")

NON_INTEGERS = ["abc", "1.5", "1e3", "-1", "0", "²", "١٢", " 7 ", "0x1F", "99999999999999999999999", "NaN", "[]"]
BAD_DATES = ["2026-02-30", "99999-01-01", "0000-00-00", "9999-12-31", "2026-13-01", "2026-1-1", "today",
             "2026-02-28T25:61", "1899-12-31"]
# The single-fault sweep: for each field, each of these (by the field's type) with every other field valid.
SWEEP = {"text": ["督" * 20001, "x" * 256], "number": ["²", "99999999999999999999", "abc"],
         "date": ["2026-02-30", "99999-01-01", "9999-12-31"]}
HOSTILE = ["", " ", "\x00", "a\x00b", "<script>alert(1)</script>", "' OR 1=1 --", "\u202e\u200b\ufeff",
           "e\u0301" * 50, "😀" * 30, "\uffff", "%00", "../../etc/passwd", "\r\n\t", "null", "true"]


@dataclass(frozen=True)
class Field:
    name: str
    kind: str           # input type, "select" or "textarea"
    value: str = ""
    options: tuple = ()


@dataclass(frozen=True)
class Form:
    page: str
    action: str
    method: str
    multipart: bool
    fields: tuple


class FormParser(HTMLParser):
    """The forms (with their fields) and the links of one page; viewflow's `<vf-field-*>` elements are fields."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self.links, self._form, self._select = page, [], [], None, None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page, a["href"]))
        elif tag == "form":
            self._form = {"action": urljoin(self.page, a.get("action") or self.page),
                          "method": (a.get("method") or "get").lower(), "enctype": a.get("enctype", ""), "fields": {}}
        elif tag == "option" and self._select is not None:
            self._select[2].append(a.get("value", ""))
        elif self._form is not None and a.get("name") and (tag in FIELD_TAGS or tag.startswith("vf-field-")):
            self._field(tag, a)

    def _field(self, tag, a):
        kind = a.get("type", "text").lower() if tag in ("input", "button") else tag.removeprefix("vf-field-")
        kind = a.get("type", kind).lower() if tag.startswith("vf-field-") else kind
        field = self._form["fields"].setdefault(a["name"], [kind, a.get("value", ""), []])
        if kind in ("radio", "submit", "button") or tag == "button":
            field[2].append(a.get("value", ""))  # a radio group or named buttons: their values are the options
        self._select = field if tag == "select" else None

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            f = self._form
            fields = tuple(Field(n, k, v, tuple(o)) for n, (k, v, o) in f["fields"].items())
            self.forms.append(Form(self.page, f["action"], f["method"], "multipart" in f["enctype"], fields))
            self._form = None


def local_path(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def own_route(path: str) -> str | None:
    """The URL pattern a path resolves to, or None for a path outside the URLconf."""
    try:
        return resolve(urlsplit(path).path).route
    except Resolver404:
        return None


def _page(client, url, seen, found, queue, skip):
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return
    parser = FormParser(url)
    parser.feed(response.content.decode("utf-8", "replace"))
    found.extend(f for f in parser.forms if f.method in ("get", "post"))
    queue.extend(p for p in map(local_path, parser.links) if p and p not in seen and not skip.search(p))


def discover(client, seeds: list[str], skip=SKIP, per_route_pages=6) -> list[Form]:
    """GET the seeds, then the links found on them (one level), MAX_PAGES at most; the forms, deduplicated."""
    seen, found, queue, per_route = set(), [], [], {}
    for level, urls in enumerate((seeds, queue)):
        for url in list(urls):
            route = own_route(url)
            if url in seen or route is None or per_route.get(route, 0) >= per_route_pages or len(seen) >= MAX_PAGES:
                continue
            seen.add(url)
            per_route[route] = per_route.get(route, 0) + 1
            _page(client, url, seen, found, queue if level == 0 else [], skip)
    return distinct_forms(found)


def distinct_forms(found: list[Form]) -> list[Form]:
    """Forms to fuzz: one per (action, method, field names), and two per URL pattern at most (a checklist's
    34 item forms are one form)."""
    unique, per_route = {}, {}
    for form in found:
        route = own_route(local_path(form.action))
        key = (local_path(form.action), form.method, tuple(sorted(f.name for f in form.fields)))
        if route is None or SKIP_ACTIONS.search(form.action) or key in unique or per_route.get(route, 0) >= 2:
            continue
        per_route[route] = per_route.get(route, 0) + 1
        unique[key] = form
    return list(unique.values())


# --- hostile values ----------------------------------------------------------------------

def _huge():
    return st.builds(lambda ch, n: ch * n, st.sampled_from(["a", "督", "😀", "\x00"]),
                     st.sampled_from([201, 2001, 5001, 20001, 120_000]))


def _typed(field: Field):
    if field.kind in ("number", "select", "hidden", "radio", "checkbox"):
        return st.sampled_from(NON_INTEGERS)
    if field.kind in ("date", "datetime-local", "month", "time"):
        return st.sampled_from(BAD_DATES)
    return st.text(max_size=40)  # any unicode (hypothesis leaves out lone surrogates: not encodable)


def _file():
    return st.builds(lambda name, body: SimpleUploadedFile(name, body, content_type="image/png"),
                     st.sampled_from(["x.png", "a\x00b.png", "督" * 300 + ".png", ".png", "x.exe"]),
                     st.sampled_from([b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64]))


def plausible(field: Field) -> str:
    """What a careful user would send: the last offered option, the page's value, or one fitting the type."""
    if field.options:
        return field.options[-1]
    typical = {"date": dt.date.today().isoformat(), "datetime-local": dt.datetime.now().strftime("%Y-%m-%dT%H:%M"),
               "number": "1", "email": "someone@example.com", "checkbox": "on"}
    return field.value or typical.get(field.kind, "正常填写的内容")


def _valid(field: Field):
    return st.sampled_from(list(field.options)) if field.options else st.just(plausible(field))


def hostile_strategy(field: Field):
    if field.kind == "file":
        return _file()
    single = st.one_of(_typed(field), st.sampled_from(HOSTILE), _huge())
    return st.one_of(single, st.lists(st.one_of(single, _valid(field)), min_size=2, max_size=3))  # repeated, too


def _sweep_kind(field: Field) -> str:
    if field.kind in ("number", "select", "hidden", "radio", "checkbox", "submit"):
        return "number"
    return "date" if field.kind in ("date", "datetime-local", "month", "time") else "text"


def sweep(form: Form, limit: int = SWEEP_FIELDS) -> list[dict]:
    """Each field in turn (the first `limit`: an admin page's inline rows repeat the same fields) gets each
    sweep value of its type while the others stay valid; then all fields missing."""
    fields = [f for f in form.fields if f.name != "csrfmiddlewaretoken" and f.kind != "file"]
    valid = {f.name: plausible(f) for f in fields}
    cases = [{**valid, f.name: bad} for f in fields[:limit] for bad in SWEEP[_sweep_kind(f)]]
    return cases + [{}]


def form_strategy(form: Form):
    """Half the examples: every field valid but one, which is hostile (reaches the code behind the form's
    own checks). The other half: each field valid, hostile or missing at random."""
    fields = [f for f in form.fields if f.name != "csrfmiddlewaretoken"]
    if not fields:
        return st.just({})
    valid = {f.name: _valid(f) for f in fields if f.kind != "file"}

    def one_bad(field):
        return st.fixed_dictionaries({**{k: v for k, v in valid.items() if k != field.name},
                                      field.name: hostile_strategy(field)})
    anything = st.fixed_dictionaries({}, optional={f.name: st.one_of(_valid(f), hostile_strategy(f)) if f.kind != "file"
                                                   else hostile_strategy(f) for f in fields})
    return st.one_of(st.sampled_from(fields).flatmap(one_bad), anything)


# --- sending -------------------------------------------------------------------------

def send(client, form: Form, data: dict):
    """One request in a savepoint, so that a database error cannot poison the rest of the shard."""
    token = next((f.value for f in form.fields if f.name == "csrfmiddlewaretoken"), "")
    path = local_path(form.action)
    with transaction.atomic():
        if form.method == "get":
            return client.get(path, {k: v for k, v in data.items() if not hasattr(v, "read")})
        return client.post(path, {**data, "csrfmiddlewaretoken": token})


def check(client, form: Form, data: dict, failures: list) -> None:
    try:
        status = send(client, form, data).status_code
    except Exception as exc:  # an uncaught exception is what a 500 would be
        status = f"{type(exc).__name__}: {str(exc)[:160]}"
    if not isinstance(status, int) or status >= 500:
        failures.append(f"{form.method.upper()} {local_path(form.action)} (form on {form.page}) -> {status}\n"
                        f"    data: {_short(data)}")


def fuzz_form(client, form: Form, failures: list, sweep_fields: int = SWEEP_FIELDS):
    """The single-fault sweep, then EXAMPLES hypothesis examples (derandomized: the same ones every run)."""
    for data in sweep(form, sweep_fields):
        check(client, form, data, failures)

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=form_strategy(form))
    def run(data):
        check(client, form, data, failures)
    run()


def _short(data: dict) -> str:
    return repr({k: (v[:60] + f"...({len(v)} chars)" if isinstance(v, str) and len(v) > 60 else v)
                 for k, v in data.items()})[:600]


# --- the world and the personas --------------------------------------------------------

def richer_world(people, tree):
    """The matrix world plus orders and visits in the states whose pages hold the other forms."""
    world = build_world(people, tree)
    issue(people, tree)                                            # waiting for the school's signature
    signed = issue(people, tree)
    order_sign(order=signed, user=people.school_leader)            # report and extension forms
    extension_request(order=signed, user=people.school_staff, reason="等待设备",
                      requested_deadline=add_working_days(signed.deadline.due_at.date(), 5))
    reported = issue(people, tree)
    order_sign(order=reported, user=people.school_leader)
    report_submit(order=reported, user=people.school_staff, measures="已整改")  # the school leader's review
    conducted = plan(people, tree)
    conduct(conducted, people.district_inspector)                  # summary and submit
    submitted = plan(people, tree)
    conduct(submitted, people.district_inspector)
    visit_sign(visit=submitted, user=people.district_inspector, representative_name="张校长",
               signature_data_url=signature_url())
    visit_submit(visit=submitted, user=people.district_inspector, summary="总体良好")  # the leader's review
    return world


def seeds_for(persona: str, ids: dict, flows=()) -> list[str]:
    """The matrix's GET pages this persona may open (expected 200), with the world's ids filled in, then
    viewflow's pages of the given (namespace, process) pairs (task detail, assign, execute...)."""
    # The planning form shows its lead and team fields once a school is chosen.
    urls = ["/dudao/", "/orders/", "/visits/", "/clues/", f"/visits/plan/?school={ids['school_a']}"]
    for pattern, entry in MATRIX.items():
        for case in entry if isinstance(entry, tuple) else (entry,):
            if case.method == "get" and case.expect.get(persona) == 200:
                urls.append(fill(case.url or "/" + pattern, ids))
    urls += [url for namespace, process in flows for url in flow_app_urls(namespace, process).values()]
    return [u for u in dict.fromkeys(urls) if "<" not in u and not SKIP.search(u)]


def client_for(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.timeout(int(os.environ.get("FORM_FUZZ_TIMEOUT", "300")))
@pytest.mark.parametrize("persona", FUZZED)
def test_no_form_answers_hostile_input_with_a_server_error(persona, personas, people, tree):  # noqa: F811
    world = richer_world(people, tree)
    client = client_for(personas[persona])
    flows = (("rectification", world.order.process), ("clue", world.clue.process))
    forms = discover(client, seeds_for(persona, world_ids(world, tree), flows))
    assert forms, f"no forms found for {persona}"
    failures = []
    if persona != "anonymous":
        forms = [f for f in forms if local_path(f.action) not in ANONYMOUS_FORMS]
    for form in forms:
        if personas[persona] is not None:
            client.force_login(personas[persona])  # a previous form may have ended the session
        fuzz_form(client, form, failures)
    assert not failures, f"{len(failures)} server errors as {persona} over {len(forms)} forms:\n" + "\n".join(failures)


# The Django admin (operators only: superusers): its model forms, reached from each model's list and add page.
ADMIN_SKIP = re.compile(r"logout|/delete/|/history/|jsi18n|autocomplete|\.xlsx|^/(static|media)/|^/(?!admin/)")
ADMIN_FORM = re.compile(r"^/admin/\w+/\w+/(add/|[^/]+/change/|[^/]+/password/)$")


def admin_seeds() -> list[str]:
    return ["/" + p for p in all_patterns() if re.fullmatch(r"admin/\w+/\w+/(add/)?", p)]


@pytest.mark.timeout(int(os.environ.get("FORM_FUZZ_TIMEOUT", "300")))
def test_no_admin_form_answers_hostile_input_with_a_server_error(people, tree, django_user_model):
    richer_world(people, tree)
    admin = django_user_model.objects.create_superuser("fuzz_admin", "fuzz@example.com", "pw-for-tests-1")
    client = client_for(admin)
    forms = [f for f in discover(client, admin_seeds(), skip=ADMIN_SKIP, per_route_pages=1)
             if ADMIN_FORM.match(urlsplit(local_path(f.action)).path)]
    assert len(forms) > 10, f"only {len(forms)} admin forms found"
    failures = []
    for form in forms:
        client.force_login(admin)  # a password form may have ended the session
        fuzz_form(client, form, failures, sweep_fields=8)  # admin pages are heavy: the main fields only
    # config/admin_site.py makes every registered admin's id fields strict (IdSafeFields)
    assert not failures, f"{len(failures)} server errors in the admin over {len(forms)} forms:\n" + "\n".join(failures)


def test_the_parser_finds_fields_options_and_links():
    parser = FormParser("/orders/1/")
    parser.feed('<a href="/visits/">v</a><form method="post" action="sign/" enctype="multipart/form-data">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="t"><select name="s"><option value="1">'
                '<option value="2"></select><textarea name="note"></textarea><input type="file" name="f">'
                '<vf-field-date name="d"></vf-field-date><button type="submit" name="go" value="a"></button>'
                '<button type="submit" name="go" value="b"></button></form>')
    (form,) = parser.forms
    assert form.action == "/orders/1/sign/" and form.method == "post" and form.multipart
    assert [(f.name, f.kind) for f in form.fields] == [
        ("csrfmiddlewaretoken", "hidden"), ("s", "select"), ("note", "textarea"), ("f", "file"), ("d", "date"),
        ("go", "submit")]
    assert form.fields[1].options == ("1", "2") and form.fields[5].options == ("a", "b")
    assert parser.links == ["/visits/"]
