"""Hand-offs are visible: approving a visit names the order it issued and links it; visit and order link each other."""
from django.test import Client
from django.urls import reverse

from inspections.models import RectificationOrder
from inspections.visits.services import visit_sign, visit_submit

from .visits_helpers import conduct, plan, signature_url


def login(user):
    client = Client()
    client.force_login(user)
    return client


def _submitted(people, tree, fail_codes=("C1",), kind="routine"):
    visit = plan(people, tree, kind=kind)
    conduct(visit, people.district_inspector, fail_codes=fail_codes)
    visit_sign(visit=visit, user=people.district_inspector, representative_name="郑校长",
               signature_data_url=signature_url())
    visit_submit(visit=visit, user=people.district_inspector)
    return visit


def test_approving_a_visit_says_which_order_went_out_and_links_it(people, tree):
    visit = _submitted(people, tree)
    page = login(people.district_leader).post(reverse("visits:review", args=[visit.pk]), {"decision": "approve"},
                                              follow=True).content.decode()
    order = RectificationOrder.objects.get()
    assert f'<a href="{reverse("orders:detail", args=[order.pk])}">{order.number}</a>' in page
    assert "等待学校签收" in page and "审核意见已保存" not in page


def test_approving_a_visit_without_findings_says_the_visit_is_done(people, tree):
    visit = _submitted(people, tree, fail_codes=())
    page = login(people.district_leader).post(reverse("visits:review", args=[visit.pk]), {"decision": "approve"},
                                              follow=True).content.decode()
    assert "没有需要整改的问题" in page and not RectificationOrder.objects.exists()


def test_returning_a_visit_says_the_team_is_told(people, tree):
    visit = _submitted(people, tree)
    page = login(people.district_leader).post(reverse("visits:review", args=[visit.pk]),
                                              {"decision": "return", "reason": "补充照片"}, follow=True)
    assert "已退回检查组" in page.content.decode()


def test_visit_page_links_its_order_and_the_order_links_back(people, tree):
    visit = _submitted(people, tree)
    login(people.district_leader).post(reverse("visits:review", args=[visit.pk]), {"decision": "approve"})
    order = RectificationOrder.objects.get()
    for user in (people.school_staff, people.district_inspector):
        visit_page = login(user).get(reverse("visits:detail", args=[visit.pk])).content.decode()
        assert f'data-order="{order.number}"' in visit_page
        order_page = login(user).get(reverse("orders:detail", args=[order.pk])).content.decode()
        assert reverse("visits:detail", args=[visit.pk]) in order_page


def test_outsider_reaches_neither_the_visit_nor_the_order_it_links(people, tree):
    visit = _submitted(people, tree)
    login(people.district_leader).post(reverse("visits:review", args=[visit.pk]), {"decision": "approve"})
    assert login(people.outsider).get(reverse("visits:detail", args=[visit.pk])).status_code == 404
    order = RectificationOrder.objects.get()
    assert login(people.outsider).get(reverse("orders:detail", args=[order.pk])).status_code == 404


def test_checklist_titles_follow_the_readers_language(people, tree):
    from django.utils.html import escape

    from inspections.models import ChecklistItem

    visit = _submitted(people, tree)
    item = ChecklistItem.objects.get(section__template=visit.template, code="C1")
    assert item.title_en
    english = login(people.district_inspector)
    english.cookies["django_language"] = "en"
    page = english.get(reverse("visits:record", args=[visit.pk])).content.decode()
    assert escape(item.title_en) in page and item.title not in page and escape(item.section.title_en) in page
    chinese = login(people.district_inspector).get(reverse("visits:record", args=[visit.pk])).content.decode()
    assert item.title in chinese


def test_order_page_links_its_pdf_which_the_school_opens_and_an_outsider_cannot(people, tree):
    visit = _submitted(people, tree)
    login(people.district_leader).post(reverse("visits:review", args=[visit.pk]), {"decision": "approve"})
    order = RectificationOrder.objects.get()
    staff = login(people.school_staff)
    page = staff.get(reverse("orders:detail", args=[order.pk])).content.decode()
    pdf_url = reverse("reports:order-pdf", args=[order.pk])
    assert f'data-order-pdf href="{pdf_url}"' in page
    response = staff.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert login(people.outsider).get(pdf_url).status_code == 404
