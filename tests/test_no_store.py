"""Answers that carry personal or confidential data are never stored by a browser or proxy
(`Cache-Control: no-store, private`); static files and an anonymous visitor's public pages keep theirs."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.cache import patch_cache_control
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inspections.campaigns.services import draw_create, draw_publish, inspector_pool, results_publish
from security.middleware import NoStoreMiddleware

from .clue_helpers import hotline_clue
from .draw_helpers import city_inspectors, random_campaign
from .visits_helpers import conduct, plan, png_bytes, signature_url

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",") if part.strip()}


def not_stored(response) -> bool:
    return response.status_code == 200 and {"no-store", "private"} <= directives(response)


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def signed_visit_with_photo(people, tree):
    visit = plan(people, tree)
    conduct(visit, people.district_inspector, fail_codes=())
    api = APIClient()
    api.force_login(people.district_inspector)
    finding = api.post(f"/api/v1/visits/{visit.pk}/findings/", {
        "description": "消防通道堵塞", "photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png")]},
        format="multipart").json()
    signed = api.post(f"/api/v1/visits/{visit.pk}/sign/", {"representative_name": "郑校长",
                                                           "signature": signature_url()}, format="json")
    assert signed.status_code == 200
    return visit, finding["photos"][0]["url"]


def test_clue_detail_page_is_not_stored(people, tree):
    clue = hotline_clue(people, tree)
    response = session(people.district_inspector).get(f"/clues/{clue.pk}/")
    assert not_stored(response)


def test_signature_and_evidence_downloads_are_not_stored(people, signed_visit_with_photo):
    visit, photo_url = signed_visit_with_photo
    client = session(people.district_inspector)
    assert not_stored(client.get(f"/visits/{visit.pk}/signature.png"))
    assert not_stored(client.get(photo_url))  # the view's own `private` is kept, `no-store` added


def test_api_detail_by_token_is_not_stored(people, signed_visit_with_photo):
    visit, _ = signed_visit_with_photo
    key = Token.objects.create(user=people.district_inspector).key
    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get(f"/api/v1/visits/{visit.pk}/")
    assert not_stored(response)


def test_api_refusal_is_not_stored_either(db):
    response = APIClient().get("/api/v1/visits/")
    assert response.status_code == 401 and "no-store" in directives(response)


def test_a_static_file_keeps_its_own_caching_even_for_a_signed_in_user(people):
    response = session(people.school_staff).get("/static/dudao/dudao.css")
    assert response.status_code == 200
    assert "no-store" not in directives(response)
    response.close()


def test_an_anonymous_visitor_public_page_is_left_alone(client, people, tree):
    city_inspectors(tree)
    campaign = random_campaign(people, tree)
    record = draw_create(campaign=campaign, user=people.city_leader, schools=[tree.school_a, tree.school_b],
                         inspectors=inspector_pool(campaign=campaign), n=2, seed="public")
    draw_publish(draw=record, user=people.city_leader)
    results_publish(campaign=campaign, user=people.city_leader)
    response = client.get(f"/public/campaigns/{campaign.pk}/")
    assert response.status_code == 200 and "no-store" not in directives(response)


def test_an_answer_that_declares_itself_public_keeps_its_policy(rf, people):
    def public_view(request):
        from django.http import HttpResponse

        response = HttpResponse("ok")
        patch_cache_control(response, public=True, max_age=300)
        return response

    request = rf.get("/api/v1/something/")
    request.user = people.school_staff
    response = NoStoreMiddleware(public_view)(request)
    assert directives(response) == {"public", "max-age"}
