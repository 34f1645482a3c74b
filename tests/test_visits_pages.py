"""The tablet pages: today list, save-as-you-go, summary, review, record, demo visits."""
from django.test import Client
from django.urls import reverse

from inspections.models import RectificationOrder, Visit
from inspections.visits.services import visit_sign, visit_submit

from .visits_helpers import conduct, items_of, plan, signature_url


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_answer_saved_through_the_endpoint_shows_after_reload(people, tree):
    visit = plan(people, tree)
    client = login(people.district_inspector)
    assert client.post(f"/api/v1/visits/{visit.pk}/check-in/", {"geo_status": "denied"},
                       content_type="application/json").status_code == 200
    item = items_of(visit)[1]
    r = client.post(f"/api/v1/visits/{visit.pk}/results/", {"item": item.pk, "result": "na", "note": "本校无此业务"},
                    content_type="application/json")
    assert r.status_code == 200
    page = client.get(reverse("visits:conduct", args=[visit.pk])).content.decode()
    assert f'data-item="{item.pk}" data-code="{item.code}"' in page
    assert 'data-result="na"' in page and "本校无此业务" in page
    assert "1/31" in page


def test_today_page_lists_todays_visit_with_counts_for_the_team(people, tree):
    visit = plan(people, tree, kind="surprise")
    page = login(people.district_inspector).get(reverse("visits:today")).content.decode()
    assert reverse("visits:detail", args=[visit.pk]) in page
    assert 'data-count="today">1<' in page


def test_school_sees_zero_on_the_today_page_before_a_surprise_check_in(people, tree):
    plan(people, tree, kind="surprise")
    page = login(people.school_leader).get(reverse("visits:today")).content.decode()
    assert 'data-count="today">0<' in page and 'data-count="open">0<' in page


def test_conduct_page_is_refused_to_a_non_team_inspector(people, tree):
    visit = plan(people, tree, members=[])
    assert login(people.city_inspector).get(reverse("visits:conduct", args=[visit.pk])).status_code == 403
    assert login(people.other_district_inspector).get(reverse("visits:conduct", args=[visit.pk])).status_code == 404


def test_summary_submit_and_review_pages_end_in_one_order(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=("C1",))
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长", signature_data_url=signature_url())
    lead = login(people.district_inspector)
    assert "C1" in lead.get(reverse("visits:summary", args=[visit.pk])).content.decode()
    staff = login(people.school_staff)
    staff.post(reverse("visits:summary", args=[visit.pk]), {"summary": "x"})
    assert Visit.objects.get().status == Visit.Status.SIGNED
    lead.post(reverse("visits:summary", args=[visit.pk]), {"summary": "整体良好"})
    assert Visit.objects.get().status == Visit.Status.SUBMITTED
    leader = login(people.district_leader)
    assert leader.get(reverse("visits:review", args=[visit.pk])).status_code == 200
    leader.post(reverse("visits:review", args=[visit.pk]), {"decision": "return", "reason": "补充照片"})
    assert Visit.objects.get().status == Visit.Status.RETURNED
    visit_submit(visit=visit, user=people.district_inspector)
    leader.post(reverse("visits:review", args=[visit.pk]), {"decision": "approve"})
    assert RectificationOrder.objects.get().findings.get().item.code == "C1"


def test_record_page_shows_results_findings_and_signature(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=("D2",))
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长", signature_data_url=signature_url())
    page = login(people.school_leader).get(reverse("visits:record", args=[visit.pk])).content.decode()
    assert "D2 不符合要求" in page and "郑校长" in page and reverse("visits:signature", args=[visit.pk]) in page


def test_demo_visits_load_twice_without_duplicates(transactional_db):
    from django.core.management import call_command

    from inspections.visits.demo import load_demo_visits

    call_command("load_demo")
    first = load_demo_visits()
    assert [v.pk for v in load_demo_visits()] == [v.pk for v in first]
    assert Visit.objects.filter(school__code="S-CQZZ").count() == 2
    assert {v.kind for v in first} == {"routine", "surprise"}


def test_visit_pdf_is_linked_for_people_who_see_the_visit_once_checked_in(people, tree):
    from inspections.visits.services import visit_check_in

    visit = plan(people, tree, kind="surprise")
    pdf_url = reverse("reports:visit-pdf", args=[visit.pk])
    assert pdf_url not in login(people.district_inspector).get(reverse("visits:detail", args=[visit.pk])).content.decode()
    visit_check_in(visit=visit, user=people.district_inspector, geo_status="denied")
    for user in (people.district_inspector, people.school_leader, people.district_leader, people.city_leader):
        client = login(user)
        assert pdf_url in client.get(reverse("visits:detail", args=[visit.pk])).content.decode()
        assert pdf_url in client.get(reverse("visits:summary", args=[visit.pk])).content.decode()
        assert pdf_url in client.get(reverse("visits:record", args=[visit.pk])).content.decode()
    response = login(people.school_leader).get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert login(people.other_district_inspector).get(pdf_url).status_code == 404
