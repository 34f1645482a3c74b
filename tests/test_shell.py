"""Dudao's own pages render inside the viewflow shell: drawer menu and site colours."""
import pytest


@pytest.mark.parametrize("url", ["/visits/", "/orders/", "/reports/", "/notifications/"])
def test_own_pages_have_the_shell_menu_and_theme(client, people, url):
    client.force_login(people.district_inspector)
    body = client.get(url).content.decode()
    assert "vf-page__menu-toggle" in body
    assert "--mdc-theme-primary: #b71c1c" in body


def test_anonymous_is_still_sent_to_login(client, db):
    response = client.get("/visits/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
