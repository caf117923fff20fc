"""The audit log: sign-ins, failures, lockouts, API keys made and revoked, webhook changes; admins
read it in the admin and nobody edits it."""

import io

import pytest
from django.core.management import call_command

from accounts.models import AuditEntry
from api.models import PartnerAPIKey
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("at", "pk").values_list("action", flat=True))


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)


def test_sign_ins_and_failures_are_recorded_with_the_address(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory(username="zhou")

    client.post("/accounts/login/", {"username": "zhou", "password": PASSWORD}, REMOTE_ADDR="198.51.100.4")
    client.logout()
    for _ in range(2):
        client.post("/accounts/login/", {"username": "zhou", "password": "wrong"}, REMOTE_ADDR="198.51.100.5")

    assert sorted(actions()) == ["locked_out", "login", "login_failed", "login_failed"]
    login = AuditEntry.objects.get(action="login")
    assert (login.actor, login.ip_address) == (user, "198.51.100.4")
    failed = AuditEntry.objects.filter(action="login_failed").first()
    assert (failed.actor, failed.actor_name, failed.ip_address) == (None, "zhou", "198.51.100.5")


def test_the_address_behind_trusted_proxies_is_the_one_the_proxy_saw(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="zhou")

    client.post(
        "/accounts/login/", {"username": "zhou", "password": "wrong"},
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
    )  # fmt: skip

    # The client may write anything in front; the proxy appends what it saw.
    assert AuditEntry.objects.get().ip_address == "203.0.113.9"


def test_api_keys_made_and_revoked_are_recorded(client, admin_user, partner):
    call_command("create_api_key", partner.partner.name, stdout=io.StringIO(), stderr=io.StringIO())
    key = PartnerAPIKey.objects.get()
    client.force_login(admin_user)

    client.post(
        "/admin/api/partnerapikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )

    key.refresh_from_db()
    assert key.revoked
    created, revoked = AuditEntry.objects.filter(action__startswith="api_key").order_by("at", "pk")
    assert (created.action, created.actor_name, created.partner) == ("api_key_created", "manage.py", partner.partner)
    assert (revoked.action, revoked.actor, revoked.target) == (
        "api_key_revoked",
        admin_user,
        f"{key.prefix} {key.name}",
    )


def test_webhook_subscriptions_and_removals_are_recorded(partner):
    from api.services import api_key_create
    from tests.helpers import key_client

    api = key_client(api_key_create(partner=partner.partner, name="hooks")[1])

    created = api.post(
        "/api/v1/webhooks/", {"url": "https://hooks.example/pos", "events": ["ticket.created"]}, format="json"
    ).json()
    api.delete(f"/api/v1/webhooks/{created['id']}/")

    entries = AuditEntry.objects.filter(action__startswith="webhook").order_by("at", "pk")
    assert [(e.action, e.partner, e.target) for e in entries] == [
        ("webhook_subscribed", partner.partner, "https://hooks.example/pos"),
        ("webhook_unsubscribed", partner.partner, "https://hooks.example/pos"),
    ]
    assert entries[0].ip_address == "127.0.0.1"


def test_admins_read_the_log_and_nobody_edits_it(client, admin_user, dispatcher):
    client.post("/accounts/login/", {"username": "nobody", "password": "x"})
    entry = AuditEntry.objects.get()

    client.force_login(admin_user)
    listing = client.get("/admin/accounts/auditentry/")
    assert listing.status_code == 200 and "nobody" in listing.content.decode()
    assert client.get("/admin/accounts/auditentry/add/").status_code == 403
    assert client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403

    dispatcher.is_staff = True
    dispatcher.save(update_fields=["is_staff"])
    client.force_login(dispatcher)
    assert client.get("/admin/accounts/auditentry/").status_code == 403
