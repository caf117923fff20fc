"""Pages around the product: the partner's home in partner words with the API documentation, the
admin's header in the reader's language, and the site's icon."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_partner_page_links_the_api_documentation_in_partner_words(client, partner, merchant):
    client.force_login(partner)
    home = client.get(reverse("accounts:partner_home")).content.decode()
    assert "<title>Your merchants" in home and merchant.merchant.name in home
    assert f'href="{reverse("api:docs")}"' in home and f'href="{reverse("api:schema")}"' in home
    tickets = client.get(reverse("tickets:list")).content.decode()
    assert "<title>Your merchants' tickets" in tickets and "My requests" not in tickets


def test_the_admin_speaks_the_readers_language(client, settings):
    chinese = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "POS 售后服务平台" in chinese and "POS After-Sales Service" not in chinese


def test_the_site_has_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.ico")
    assert client.get(response["Location"]).status_code == 200
    assert 'rel="icon"' in client.get(reverse("accounts:login")).content.decode()
