"""The state the summary and sign pages carry for the tablet (inspections/visits/offline_state.py): the server's answers,
findings and status, and the step rules the services enforce, so the offline screens decide as the server will."""
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from inspections.models import Finding
from inspections.visits.services import visit_sign

from .visits_helpers import conduct, items_of, plan, signature_url


def _page(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def _state(html: str) -> dict:
    return json.loads(re.search(r'<script id="vs-state" type="application/json">(.*?)</script>', html, re.S).group(1))


def test_a_planned_visits_pages_carry_the_pad_and_the_submit_form_hidden_for_the_tablet(people, tree):
    visit = plan(people, tree)
    sign = _page(people.district_inspector, f"/visits/{visit.pk}/sign/").content.decode()
    assert "当前状态不能签字" in sign and 'id="vs-sign-ready" hidden' in sign and 'id="vs-pad"' in sign
    summary = _page(people.district_inspector, f"/visits/{visit.pk}/summary/").content.decode()
    assert 'id="vs-sum-sign" hidden' in summary and re.search(r'id="vs-submit-form"[^>]*\shidden', summary)
    state = _state(summary)
    assert state["status"] == "planned" and len(state["items"]) == 31 and state["results"] == {}
    assert state["rules"]["checkin_from"] == ["planned"] and state["rules"]["after"]["checkin"] == "in_progress"


def test_the_rules_in_the_page_are_the_ones_the_server_refuses_a_signature_by(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=("A1",))
    Finding.objects.filter(visit=visit).delete()  # A1 fails and now has no finding
    state = _state(_page(people.district_inspector, f"/visits/{visit.pk}/sign/").content.decode())
    a1 = next(pk for pk, code in state["items"] if code == "A1")
    assert state["results"][str(a1)] in state["rules"]["finding_required_for"] and not state["findings"]
    assert state["status"] in state["rules"]["sign_from"] and state["may_conduct"]
    with pytest.raises(ValidationError):  # what the tablet would show as "incomplete", the server refuses
        visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长",
                   signature_data_url=signature_url())


def test_a_team_member_who_is_not_the_lead_gets_no_submit_form(people, tree):
    visit = plan(people, tree, members=[people.city_inspector])
    conduct(visit, people.district_inspector)
    summary = _page(people.city_inspector, f"/visits/{visit.pk}/summary/").content.decode()
    assert 'id="vs-submit-form"' not in summary and _state(summary)["may_submit"] is False
    assert len(items_of(visit)) == len(_state(summary)["items"])
