"""Sign-in lockout (django-axes): repeated failures lock the account and the address, on the site
and in the admin; the lock ends after a while, or when an admin lifts it."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditEntry
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 5


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


def sign_in(client, username, password, *, address="203.0.113.7", path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def is_locked_out(response) -> bool:
    return response.status_code == 429 and 'data-testid="locked-out"' in response.content.decode()


def test_the_right_password_after_repeated_failures_does_not_sign_in(client):
    user = UserFactory(username="zhou")
    for _ in range(LIMIT - 1):
        assert sign_in(client, "zhou", "wrong").status_code == 200
    assert is_locked_out(sign_in(client, "zhou", "wrong"))  # the failure that reaches the limit

    response = sign_in(client, "zhou", PASSWORD)

    assert is_locked_out(response)
    assert "_auth_user_id" not in client.session
    assert "Try again in 15 minutes" in response.content.decode()
    assert AuditEntry.objects.filter(action="locked_out", actor_name=user.username).exists()


def test_the_account_stays_locked_from_another_address(client):
    UserFactory(username="zhou")
    for n in range(LIMIT):
        sign_in(client, "zhou", "wrong", address=f"198.51.100.{n + 1}")

    assert is_locked_out(sign_in(client, "zhou", PASSWORD, address="192.0.2.99"))


def test_an_address_trying_many_accounts_is_locked_for_all_of_them(client):
    for n in range(LIMIT):
        UserFactory(username=f"victim{n}")
        sign_in(client, f"victim{n}", "wrong")
    innocent = UserFactory(username="innocent")

    assert is_locked_out(sign_in(client, innocent.username, PASSWORD))
    # Someone else, elsewhere, signs in as usual.
    assert sign_in(client, innocent.username, PASSWORD, address="192.0.2.50").status_code == 302


def test_the_admin_sign_in_is_locked_too(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(LIMIT):
        sign_in(client, "root", "wrong", path="/admin/login/?next=/admin/")

    assert is_locked_out(sign_in(client, "root", PASSWORD, path="/admin/login/?next=/admin/"))


def test_the_lock_ends_after_the_cool_off(client):
    UserFactory(username="zhou")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(LIMIT):
            sign_in(client, "zhou", "wrong")
    with time_machine.travel(start + datetime.timedelta(minutes=14), tick=False):
        # Each try during the lock starts the wait again.
        assert is_locked_out(sign_in(client, "zhou", PASSWORD))

    with time_machine.travel(start + datetime.timedelta(minutes=30), tick=False):
        assert sign_in(client, "zhou", PASSWORD).status_code == 302


def test_an_admin_lifts_the_lock(client):
    UserFactory(username="zhou")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(LIMIT):
        sign_in(client, "zhou", "wrong")
    client.force_login(admin)
    attempts = client.get("/admin/axes/accessattempt/")
    assert attempts.status_code == 200 and "zhou" in attempts.content.decode()
    client.logout()

    call_command("axes_reset_username", "zhou")

    assert sign_in(client, "zhou", PASSWORD).status_code == 302


def test_a_locked_out_page_speaks_chinese(client):
    UserFactory(username="zhou")
    for _ in range(LIMIT):
        sign_in(client, "zhou", "wrong")

    response = client.post(
        "/accounts/login/", {"username": "zhou", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )  # fmt: skip

    assert is_locked_out(response)
    assert "登录已锁定" in response.content.decode()
