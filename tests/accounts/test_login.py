import pytest
from django.urls import reverse

from tests.factories import PASSWORD, TechnicianFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_login_page_speaks_chinese_by_default(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page


def test_english_can_be_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page


def test_a_wrong_password_says_so_and_keeps_the_username(client):
    UserFactory(username="zhou")
    response = client.post("/accounts/login/", {"username": "zhou", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "Please enter a correct username and password" in page
    assert 'value="zhou"' in page


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("merchant", "tickets:list"),
        ("partner", "accounts:partner_home"),
        ("admin", "admin:index"),
    ],
)
def test_each_role_lands_on_its_home_page(client, role, landing, merchant, partner):
    user = {"merchant": merchant, "partner": partner}.get(role) or UserFactory(
        role=role, is_staff=True, is_superuser=True
    )
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response["Location"]).url == reverse(landing)


def test_staff_roles_land_on_their_home_pages(client):
    from accounts.views import home_url_for

    for role in ("dispatcher", "manager"):
        user = UserFactory(role=role)
        client.force_login(user)
        assert client.get("/").url == home_url_for(user)
        assert client.get(home_url_for(user)).status_code == 200
    technician = TechnicianFactory().user
    client.force_login(technician)
    assert client.get(client.get("/").url).status_code == 200


def test_pages_need_a_signed_in_user(client):
    response = client.get("/devices/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
