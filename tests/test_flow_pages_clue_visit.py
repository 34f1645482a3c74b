"""viewflow's own pages of the clue and visit flows (/clue/..., /visit/...) leak nothing.

Clue: another district's people get 404 on every process and task page, a school
gets nothing at all, and the complainant's identity never appears on these pages.
Visit: the flow app is closed to every persona (the tablet screens are the way in),
so a school cannot see a planned surprise visit there either.
"""
import pytest
from django.test import Client

from tests.clue_helpers import CONTACT, NAME, hotline_clue
from tests.orders_helpers import flow_app_urls
from tests.visits_helpers import plan


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _process_urls(namespace, process):
    return {n: u for n, u in flow_app_urls(namespace, process).items() if f"/{process.pk}/" in u}


@pytest.mark.parametrize("persona", ["other_district_inspector", "other_district_leader"])
def test_other_district_gets_404_on_every_clue_process_and_task_page(people, tree, persona):
    clue = hotline_clue(people, tree)
    client = _client(getattr(people, persona))
    answers = {n: client.get(u).status_code for n, u in _process_urls("clue", clue.process).items()}
    assert len(answers) > 10 and {n: c for n, c in answers.items() if c != 404} == {}


def test_other_district_lists_do_not_show_the_clue(people, tree):
    clue = hotline_clue(people, tree)
    task = clue.process.task_set.order_by("-pk").first()
    client = _client(people.other_district_inspector)
    for url in ("/clue/", "/clue/flows/", "/clue/tasks/", "/clue/queue/", "/clue/inbox/", "/clue/archive/"):
        body = client.get(url).content.decode()
        assert f"/clue/{clue.process.pk}/" not in body and f"#{clue.process.pk}/{task.pk}" not in body, url


def test_school_never_sees_a_clue_or_its_complainant_on_flow_pages(people, tree):
    clue = hotline_clue(people, tree)
    for persona in ("school_leader", "school_staff"):
        client = _client(getattr(people, persona))
        for name, url in flow_app_urls("clue", clue.process).items():
            response = client.get(url)
            assert response.status_code in (403, 404), (persona, name)
            assert NAME not in response.content.decode() and CONTACT not in response.content.decode()


def test_complainant_identity_is_not_on_the_flow_pages_of_the_verifying_inspector(people, tree):
    clue = hotline_clue(people, tree, registered_by=people.district_leader)
    client = _client(people.district_inspector)
    pages = {n: client.get(u) for n, u in _process_urls("clue", clue.process).items()}
    assert pages["process_detail"].status_code == 200
    assert [n for n, r in pages.items() if NAME in r.content.decode() or CONTACT in r.content.decode()] == []


def test_school_cannot_see_a_planned_surprise_visit_on_flow_pages(people, tree):
    visit = plan(people, tree, kind="surprise")
    client = _client(people.school_leader)
    for name, url in flow_app_urls("visit", visit.process).items():
        response = client.get(url)
        assert response.status_code in (403, 404), name
        assert tree.school_a.name not in response.content.decode()
