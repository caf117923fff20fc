"""API fixtures: partner keys and clients for each persona."""

import uuid

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from api.services import api_key_create
from tests import factories


@pytest.fixture(autouse=True)
def _own_throttle_counters(settings):
    """Each test counts requests in its own namespace of the shared Redis cache."""
    caches = {alias: dict(config) for alias, config in django_settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"{caches['default'].get('KEY_PREFIX', '')}-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _sla(sla_policy):
    """Tickets get deadlines, as they do in production."""


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def api_key(partner):
    """The key of `partner`'s organisation (the one that brought `merchant`)."""
    return api_key_create(partner=partner.partner, name="integration")[1]


@pytest.fixture
def other_api_key(other_partner):
    return api_key_create(partner=other_partner.partner, name="integration")[1]


@pytest.fixture
def partner_api(api_key):
    return key_client(api_key)


@pytest.fixture
def other_partner_api(other_api_key):
    return key_client(other_api_key)


@pytest.fixture
def dispatcher_api(dispatcher):
    return session_client(dispatcher)


@pytest.fixture
def merchant_api(merchant):
    return session_client(merchant)


@pytest.fixture
def device(merchant):
    """An in-warranty terminal of `merchant`."""
    return factories.device_in_warranty(merchant.merchant)


@pytest.fixture
def ticket(merchant, device):
    return factories.file_ticket(merchant, device=device)


def filing(device, **overrides) -> dict:
    body = {
        "device": device.serial_number,
        "kind": "repair",
        "fault_category": "printer",
        "description": "The printer stops halfway through a receipt.",
        "contact_name": "王丽",
        "contact_phone": "138 0013 8000",
    }
    body.update(overrides)
    return body
