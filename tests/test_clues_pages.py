"""Clue screens: registering and each step's form, and wrong people refused (404 for the invisible)."""
import pytest

from inspections.models import Clue

from .clue_helpers import hotline_clue

pytestmark = pytest.mark.django_db


def test_staff_register_a_clue_through_the_page(client, people, tree):
    client.force_login(people.district_inspector)
    answer = client.post("/clues/new/", {"source": "phone", "content": "电话反映食堂问题", "school": tree.school_a.pk,
                                         "received_at": "2026-11-02T09:30", "complainant_name": "李某"})
    clue = Clue.objects.get()
    assert answer.status_code == 302 and clue.registered_by == people.district_inspector
    assert clue.received_at.utcoffset() is not None


@pytest.mark.parametrize("who", ["school_staff", "school_leader"])
def test_schools_cannot_open_the_register_form(client, people, tree, who):
    client.force_login(getattr(people, who))
    assert client.get("/clues/new/").status_code == 403


def test_the_leader_walks_the_desk_check_path_through_the_pages(client, people, tree):
    clue = hotline_clue(people, tree)
    client.force_login(people.district_leader)
    client.post(f"/clues/{clue.pk}/triage/", {"decision": "desk_check"})
    client.force_login(people.district_inspector)
    client.post(f"/clues/{clue.pk}/verify-desk/", {"result": "核实属实", "substantiated": "yes"})
    client.force_login(people.district_leader)
    client.post(f"/clues/{clue.pk}/reply/", {"text": "已答复", "method": "phone"})
    client.post(f"/clues/{clue.pk}/close/")
    clue.refresh_from_db()
    assert clue.status == Clue.Status.CLOSED and clue.substantiated is True


@pytest.mark.parametrize("who", ["school_leader", "school_staff", "other_district_leader"])
def test_wrong_people_get_404_on_every_clue_action(client, people, tree, who):
    clue = hotline_clue(people, tree)
    client.force_login(getattr(people, who))
    for step in ("triage", "verify-desk", "verify-visit", "reply", "close"):
        assert client.post(f"/clues/{clue.pk}/{step}/", {"decision": "desk_check"}).status_code == 404
    clue.refresh_from_db()
    assert clue.status == Clue.Status.REGISTERED


def test_a_verifier_who_may_see_the_clue_still_cannot_triage_it(client, people, tree):
    clue = hotline_clue(people, tree)
    client.force_login(people.district_inspector)
    client.post(f"/clues/{clue.pk}/triage/", {"decision": "desk_check"})
    clue.refresh_from_db()
    assert clue.status == Clue.Status.REGISTERED


def test_viewflow_queue_shows_the_triage_task_to_the_district_leader_only(client, people, tree):
    from workflows.models import ClueProcess

    clue = hotline_clue(people, tree)
    process = ClueProcess.objects.get(clue=clue)
    client.force_login(people.district_leader)
    assert client.get("/clue/queue/").status_code == 200
    assert client.get(f"/clue/{process.pk}/").status_code == 200
    for who in (people.school_leader, people.other_district_leader):
        client.force_login(who)
        assert client.get(f"/clue/{process.pk}/").status_code in (403, 404)
        queue = client.get("/clue/queue/")
        assert queue.status_code in (200, 403) and clue.external_ref not in queue.content.decode()
