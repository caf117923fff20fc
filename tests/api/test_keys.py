import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from api.models import PartnerAPIKey
from sla.models import SLAPolicy
from tests import factories
from tests.helpers import key_client

pytestmark = pytest.mark.django_db


def test_create_api_key_prints_the_key_last_and_stores_only_its_hash(partner, capsys):
    call_command("create_api_key", partner.partner.name)

    key = capsys.readouterr().out.strip().splitlines()[-1]
    stored = PartnerAPIKey.objects.get(partner=partner.partner)
    assert key.startswith(stored.prefix + ".")
    assert key not in (stored.id, stored.hashed_key)
    assert key_client(key).get("/api/v1/tickets/").status_code == 200


def test_create_api_key_names_the_partners_when_the_name_is_wrong(partner):
    with pytest.raises(CommandError, match=partner.partner.name):
        call_command("create_api_key", "Nobody Bank")


def test_a_revoked_or_expired_key_no_longer_works(api_key):
    client = key_client(api_key)
    assert client.get("/api/v1/tickets/").status_code == 200

    PartnerAPIKey.objects.update(expiry_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/api/v1/tickets/").status_code == 401
    PartnerAPIKey.objects.update(expiry_date=None, revoked=True)
    assert client.get("/api/v1/tickets/").status_code == 401


def test_it_records_when_a_key_was_last_used(api_key):
    assert PartnerAPIKey.objects.get().last_used_at is None

    key_client(api_key).get("/api/v1/merchants/")

    assert PartnerAPIKey.objects.get().last_used_at is not None


def test_seed_demo_prints_a_working_key_for_the_demo_partner_without_piling_keys_up(capsys):
    SLAPolicy.objects.all().delete()  # the demo brings its own policies
    call_command("seed_demo")
    call_command("seed_demo")

    out = capsys.readouterr().out
    key = out.strip().splitlines()[-1].split("Api-Key ")[1]
    assert PartnerAPIKey.objects.count() == 1
    listed = key_client(key).get("/api/v1/tickets/")
    assert listed.status_code == 200
    assert listed.json()["results"]


@pytest.fixture
def admin_site(client):
    client.force_login(factories.UserFactory(role=User.Role.ADMIN, is_superuser=True, is_staff=True))
    return client


def test_an_admin_makes_a_key_in_the_admin_and_sees_it_once(admin_site, partner):
    response = admin_site.post(
        "/admin/api/partnerapikey/add/", {"name": "Production", "partner": partner.partner.pk}, follow=True
    )

    api_key = PartnerAPIKey.objects.get(name="Production")
    message = next(str(m) for m in response.context["messages"])
    key = message.split(": ")[1].split(". ")[0]
    assert key.startswith(api_key.prefix + ".")
    assert key_client(key).get("/api/v1/merchants/").status_code == 200
    listing = admin_site.get("/admin/api/partnerapikey/")
    assert key not in listing.content.decode()


def test_an_admin_revokes_keys_from_the_list(admin_site, api_key):
    api_key_record = PartnerAPIKey.objects.get()

    admin_site.post(
        "/admin/api/partnerapikey/", {"action": "revoke", "_selected_action": [api_key_record.pk]}, follow=True
    )

    assert PartnerAPIKey.objects.get().revoked
    assert key_client(api_key).get("/api/v1/merchants/").status_code == 401
