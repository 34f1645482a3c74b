"""The API is the whole product: a Python client generated from the live schema (openapi-python-client)
drives the full loop as the personas, nothing but the generated functions and models.

visit planned → checked in → checklist answered → findings with photos → school signs on the tablet →
submitted → reviewed (an order is issued) → the school signs the order (签收) → report → re-check fails →
report → re-check passes → closure by the district leader and, the finding being major, the city leader;
and a clue from registration to reply and closure.

The client is generated once per session into a temporary directory (never committed); its HTTP goes
through httpx's WSGI transport into this process's Django, so it runs inside the test's transaction on
SQLite and on PostgreSQL alike.
"""
import datetime as dt
import importlib
import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client as DjangoClient
from django.utils import timezone

from inspections.checklists.services import checklist_load_standard
from inspections.models import Clue, RectificationOrder, Visit

from .visits_helpers import png_bytes, signature_url

PASSWORD = "pw-for-tests-1"
PACKAGE = "dudao_api_client"


@pytest.fixture(scope="session")
def gen(tmp_path_factory, django_db_setup, django_db_blocker):
    """The generated package (its `api.api` operations, `models`, `types`, `client`)."""
    out = tmp_path_factory.mktemp("generated")
    with django_db_blocker.unblock():  # the schema view runs the middleware (sessions, audit)
        schema = DjangoClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    (out / "schema.json").write_text(json.dumps(schema.json()))
    (out / "config.yaml").write_text("post_hooks: []\n")
    cli = Path(sys.executable).with_name("openapi-python-client")
    subprocess.run([str(cli), "generate", "--path", str(out / "schema.json"), "--meta", "none", "--config",
                    str(out / "config.yaml"), "--output-path", str(out / PACKAGE)], check=True, capture_output=True)
    sys.path.insert(0, str(out))
    try:
        package = importlib.import_module(PACKAGE)
        for sub in ("api.api", "models", "types", "client"):
            setattr(package, sub.replace(".", "_"), importlib.import_module(f"{PACKAGE}.{sub}"))
        return package
    finally:
        sys.path.remove(str(out))


def in_process_app():
    """Django as a WSGI app for httpx, keeping the test's database connection open across requests (as
    Django's own test client does: a real request closes it at the end, and with it the test's transaction)."""
    handler = WSGIHandler()

    def app(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = handler(environ, start_response)
            body = b"".join(result)
            result.close()
            return [body]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
    return app


class Persona:
    """One person driving the generated client: `call("orders_sign", id=…)` → the parsed answer, with the
    status asserted (the answer's model type is the generated one)."""

    def __init__(self, gen, user):
        self.gen, self.user = gen, user
        transport = httpx.WSGITransport(app=in_process_app())
        anonymous = gen.client.Client(base_url="http://testserver", httpx_args={"transport": transport})
        login = gen.models.TokenRequest(username=user.username, password=PASSWORD)
        answer = self.op("auth_token").sync_detailed(client=anonymous, body=login)
        assert answer.status_code == 200, answer.content
        self.client = gen.client.AuthenticatedClient(base_url="http://testserver", token=answer.parsed.token,
                                                     prefix="Token", httpx_args={"transport": transport})

    def op(self, name):
        return importlib.import_module(f"{PACKAGE}.api.api.{name}")

    def call(self, name, expect=200, **kwargs):
        answer = self.op(name).sync_detailed(client=self.client, **kwargs)
        assert answer.status_code == expect, (name, self.user.username, answer.status_code, answer.content[:500])
        return answer.parsed


def photo(gen, name="photo.png"):
    return gen.types.File(payload=io.BytesIO(png_bytes((64, 48))), file_name=name, mime_type="image/png")


def conduct_visit(gen, inspector, team, tree):
    """Plan (as the lead), check in, answer all items (A1 fails with a major finding and two photos)."""
    m = gen.models
    candidates = inspector.call("visits_team_candidates_list", school=tree.school_a.pk)
    assert {c.id for c in candidates.results} >= {inspector.user.pk, team.user.pk}
    plan = m.Plan(school=tree.school_a.pk, planned_date=timezone.localdate(), lead=inspector.user.pk,
                  members=[team.user.pk], kind=m.VisitKindEnum.ROUTINE, client_uuid=uuid.uuid4())
    visit = inspector.call("visits_create", expect=201, body=plan)
    assert inspector.call("visits_create", body=plan).id == visit.id  # a replay plans nothing new
    inspector.call("visits_check_in", id=visit.id, body=m.CheckIn(geo_status=m.GeoStatusEnum.OK, latitude=36.55,
                                                                  longitude=116.75, accuracy=10.0))
    items = [i for s in inspector.call("visits_get", id=visit.id).sections for i in s["items"]]
    for item in items:
        failed = item["code"] == "A1"
        team.call("visits_results", id=visit.id, body=m.ResultIn(
            item=item["id"], result=m.ItemResultEnum.FAIL if failed else m.ItemResultEnum.PASS))
        if failed:
            finding = team.call("visits_findings_create", expect=201, id=visit.id, body=m.FindingIn(
                description="消防通道堵塞", item=item["id"], severity=m.SeverityEnum.MAJOR,
                client_uuid=uuid.uuid4(), photos=[photo(gen, "a.png"), photo(gen, "b.png")]))
            assert len(finding.photos) == 2
    return visit


def review_visit(gen, inspector, leader, visit):
    m = gen.models
    inspector.call("visits_sign", id=visit.id, body=m.SignIn(representative_name="王校长", signature=signature_url()))
    inspector.call("visits_submit", id=visit.id, body=m.SubmitIn(summary="总体良好"))
    reviewed = leader.call("visits_review", id=visit.id, body=m.ReviewIn(decision=m.ReviewDecisionEnum.APPROVE))
    assert reviewed.review_approved if hasattr(reviewed, "review_approved") else reviewed.reviewed_at
    orders = leader.call("orders_list").results
    (order,) = [o for o in orders if o.school == visit.school]
    return order


def report_round(gen, order_id, staff, school_leader, inspector, result, files=1):
    m = gen.models
    staff.call("orders_report", id=order_id, body=m.OrderReportIn(
        measures="已疏通消防通道并张贴标识", client_uuid=uuid.uuid4(), files=[photo(gen) for _ in range(files)]))
    school_leader.call("orders_approve", id=order_id, body=m.Approve(decision=m.ReviewDecisionEnum.APPROVE))
    return inspector.call("orders_recheck", id=order_id, body=m.Recheck(
        method=m.RecheckMethodEnum.ON_SITE, result=result, notes="复查"))


def test_generated_client_drives_visit_to_closure_as_the_personas(gen, people, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    checklist_load_standard()
    m = gen.models
    inspector, team = Persona(gen, people.district_inspector), Persona(gen, people.city_inspector)
    leader, city_leader = Persona(gen, people.district_leader), Persona(gen, people.city_leader)
    school_leader, staff = Persona(gen, people.school_leader), Persona(gen, people.school_staff)

    visit = conduct_visit(gen, inspector, team, tree)
    Persona(gen, people.other_district_inspector).call("visits_get", expect=404, id=visit.id)
    order = review_visit(gen, inspector, leader, visit)
    staff.call("orders_sign", expect=403, id=order.id)  # 签收 is the school leader's
    signed = school_leader.call("orders_sign", id=order.id)
    assert signed.signed_at is not None and signed.pdf_url

    failed = report_round(gen, order.id, staff, school_leader, inspector, m.RecheckResultEnum.FAIL, files=2)
    assert failed.status == m.OrderStatusEnum.RECTIFYING and failed.round_ == 2
    passed = report_round(gen, order.id, staff, school_leader, inspector, m.RecheckResultEnum.PASS)
    assert passed.status == m.OrderStatusEnum.CLOSURE_REVIEW
    inspector.call("orders_approve", expect=403, id=order.id, body=m.Approve())  # closure is a leader's
    after_district = leader.call("orders_approve", id=order.id, body=m.Approve())
    assert after_district.status != m.OrderStatusEnum.CLOSED  # a major finding: the city leader too
    closed = city_leader.call("orders_approve", id=order.id, body=m.Approve())
    assert closed.status == m.OrderStatusEnum.CLOSED

    detail = staff.call("orders_get", id=order.id)  # the school reads back everything it sent
    assert [(r.round_, len(r.files)) for r in detail.reports] == [(1, 2), (2, 1)]
    assert [c.result for c in detail.rechecks] == [m.RecheckResultEnum.FAIL, m.RecheckResultEnum.PASS]
    assert len(detail.findings[0].files) == 2
    assert RectificationOrder.objects.get(pk=order.id).status == RectificationOrder.Status.CLOSED
    assert Visit.objects.get(pk=visit.id).findings.get().order_id == order.id


def test_generated_client_takes_a_clue_from_registration_to_reply(gen, people, tree):
    checklist_load_standard()
    m = gen.models
    inspector, leader = Persona(gen, people.district_inspector), Persona(gen, people.district_leader)
    register = m.Register(source=m.RegisterSourceEnum.HOTLINE, external_ref="12345-0001", content="食堂卫生差",
                          school=tree.school_a.pk, complainant_name="张三", complainant_contact="13800000000")
    clue = leader.call("clues_register", expect=201, body=register)
    assert leader.call("clues_register", body=register).id == clue.id  # a retry registers nothing new
    Persona(gen, people.school_leader).call("clues_get", expect=404, id=clue.id)
    inspector.call("clues_triage", expect=403, id=clue.id, body=m.Triage(decision=m.ClueDecisionEnum.DESK_CHECK))
    leader.call("clues_triage", id=clue.id, body=m.Triage(decision=m.ClueDecisionEnum.DESK_CHECK))
    leader.call("clues_triage", expect=409, id=clue.id, body=m.Triage(decision=m.ClueDecisionEnum.DESK_CHECK))
    checked = inspector.call("clues_verify_desk", id=clue.id, body=m.DeskCheck(result="情况属实，已督促整改",
                                                                               substantiated=True))
    assert checked.complainant_name != "张三"  # the verifying inspector does not see who complained
    leader.call("clues_reply", id=clue.id, body=m.Reply(text="已核实并整改", method=m.ClueReplyMethodEnum.PHONE,
                                                         date=dt.date.today()))
    closed = leader.call("clues_close", id=clue.id)
    assert closed.status == Clue.Status.CLOSED and closed.reply_text == "已核实并整改"
