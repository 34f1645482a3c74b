"""403, 404 and 500 are our own pages, in the reader's language, inside the shell where a session exists."""
import pytest
from django.test import Client
from django.utils import translation


VIEWFLOW_ENGLISH = ("We're sorry", "View site", "Page not found", "Server error")


def client_for(user, language="zh-hans"):
    client = Client()
    client.cookies["django_language"] = language  # Chinese first: only the switch's cookie chooses English
    client.force_login(user)
    return client


@pytest.mark.parametrize("language, words", [("zh-hans", "页面不存在"), ("en", "Page not found")])
def test_404_is_ours_and_in_the_readers_language(people, tree, language, words):
    response = client_for(people.school_staff, language).get("/orders/999999/")
    page = response.content.decode()
    assert response.status_code == 404 and 'data-error="404"' in page and words in page
    assert "We're sorry" not in page and "查看站点" not in page
    assert "data-dudao-menu" in page and "No viewsets found" not in page  # inside our shell, with its menu


def test_403_says_why_in_chinese(people, tree):
    response = client_for(people.school_staff).get("/visits/plan/")
    page = response.content.decode()
    assert response.status_code == 403 and 'data-error="403"' in page and "无权访问" in page
    assert not [w for w in VIEWFLOW_ENGLISH if w in page]


def test_500_page_renders_without_a_request_context():
    from django.template import loader

    with translation.override("en"):
        html = loader.get_template("500.html").render()
    assert 'data-error="500"' in html and "Server error" not in html
