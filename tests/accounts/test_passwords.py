"""Changing a password, and resetting a forgotten one by e-mail through the notifications outbox."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import AuditEntry
from notifications.models import Delivery
from notifications.services import delivery_send
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lotus-tea-house-2026"


def test_a_signed_in_user_changes_their_password(client, merchant):
    client.force_login(merchant)
    assert client.get("/accounts/password/change/").status_code == 200

    wrong = client.post(
        "/accounts/password/change/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "Your old password was entered incorrectly" in wrong.content.decode()

    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert 'data-testid="password-changed"' in response.content.decode()
    merchant.refresh_from_db()
    assert merchant.check_password(NEW_PASSWORD)
    assert client.get("/tickets/").status_code == 200  # still signed in
    assert AuditEntry.objects.filter(action="password_changed", actor=merchant).exists()


def test_every_page_links_to_the_password_change(client, dispatcher):
    client.force_login(dispatcher)

    assert 'href="/accounts/password/change/"' in client.get("/tickets/console/").content.decode()


def reset_link(delivery: Delivery) -> str:
    return re.search(r"http://[^/]+(/accounts/password/reset/\S+/)", delivery.body).group(1)


def test_a_forgotten_password_is_reset_through_a_link_sent_by_email(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = UserFactory(username="zhou", email="zhou@example.com", language="en")
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()

    sent = client.post("/accounts/password/reset/", {"email": "ZHOU@example.com"}, follow=True)

    assert 'data-testid="password-reset-sent"' in sent.content.decode()
    delivery = Delivery.objects.get(recipient=user, channel="email")
    assert delivery.source.startswith("password-reset:")
    assert mail.outbox == []  # a worker sends it, not the request
    assert delivery_send(delivery_id=delivery.pk)
    assert mail.outbox[0].to == ["zhou@example.com"]

    form = client.get(reset_link(delivery), follow=True)
    assert 'data-testid="password-reset-confirm"' in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link works once.
    again = client.get(reset_link(delivery), follow=True)
    assert 'data-testid="password-reset-invalid"' in again.content.decode()
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {"password_reset_requested", "password_reset"}


def test_asking_again_soon_sends_no_second_email_and_unknown_addresses_look_the_same(client):
    UserFactory(username="zhou", email="zhou@example.com")

    first = client.post("/accounts/password/reset/", {"email": "zhou@example.com"}, follow=True)
    second = client.post("/accounts/password/reset/", {"email": "zhou@example.com"}, follow=True)
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True)

    assert Delivery.objects.filter(source__startswith="password-reset:").count() == 1
    for response in (first, second, unknown):
        assert 'data-testid="password-reset-sent"' in response.content.decode()


def test_the_email_is_written_in_the_users_language(client):
    user = UserFactory(username="wang", email="wang@example.com", language="zh-hans")

    client.post("/accounts/password/reset/", {"email": "wang@example.com"})

    delivery = Delivery.objects.get(recipient=user)
    assert "重置" in delivery.subject


def test_a_reset_lifts_the_sign_in_lock(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(username="zhou", email="zhou@example.com")
    for _ in range(3):
        client.post("/accounts/login/", {"username": "zhou", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "zhou", "password": PASSWORD}).status_code == 429

    client.post("/accounts/password/reset/", {"email": "zhou@example.com"})
    form = client.get(reset_link(Delivery.objects.get(recipient=user)), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert client.post("/accounts/login/", {"username": "zhou", "password": NEW_PASSWORD}).status_code == 302


def test_the_admin_never_reads_a_reset_link_and_the_outbox_forgets_it_once_sent(client, settings, ticket):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = UserFactory(username="zhou", email="zhou@example.com", language="en")
    client.post("/accounts/password/reset/", {"email": "zhou@example.com"})
    delivery = Delivery.objects.get(recipient=user, channel="email")
    link = reset_link(delivery)
    assert delivery.secret

    admin = Client()
    admin.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    page = admin.get(f"/admin/notifications/delivery/{delivery.pk}/change/").content.decode()
    assert link not in page and "/accounts/password/reset/" not in page
    assert "Hidden: this message carries a secret link for its recipient only." in page
    # An ordinary message (the merchant's copy of filing a ticket) still shows its body.
    ordinary = Delivery.objects.filter(secret=False, ticket=ticket).exclude(body="").first()
    assert ordinary.body in admin.get(f"/admin/notifications/delivery/{ordinary.pk}/change/").content.decode()

    assert delivery_send(delivery_id=delivery.pk)
    assert link in mail.outbox[0].body  # the recipient got it
    delivery.refresh_from_db()
    assert delivery.sent_at is not None and delivery.body == ""
    assert client.get(link, follow=True).status_code == 200  # and it still works for them
