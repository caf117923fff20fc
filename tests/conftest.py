"""Shared fixtures: the real services the suite runs against, the personas of DESIGN.md, their API
clients, and tickets filed at a chosen moment."""

import datetime
import uuid

import pytest
import redis
import time_machine
from django.conf import settings

from accounts.models import User
from api.services import api_key_create
from tests import factories
from tests.helpers import key_client, session_client


def pytest_sessionstart(session):
    """Fail, never skip, when PostgreSQL or Redis is not what the suite runs against."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(
            f"The tests run against PostgreSQL; DATABASE_URL points to {engine}. Use ./test.sh or set "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/possystem."
        )
    if not settings.REDIS_URL:
        raise pytest.UsageError("The tests run against Redis; set REDIS_URL=redis://127.0.0.1:6379/0 or use ./test.sh.")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise pytest.UsageError(f"Redis at {settings.REDIS_URL} cannot be reached: {error}") from error


@pytest.fixture(scope="session", autouse=True)
def _empty_test_queue():
    """Messages left by an earlier run must not reach this run's workers."""
    from possystem.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    yield


@pytest.fixture(autouse=True)
def _english(settings):
    """Tests read messages in English unless they ask for Chinese."""
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Personas' passwords are hashed quickly; slow hashing proves nothing in these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Each test counts requests (throttles) in its own namespace of the shared Redis cache."""
    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"{caches['default'].get('KEY_PREFIX', '')}-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches


@pytest.fixture
def merchant(db):
    """A merchant's user (王丽 of a tea house), signed up through a partner bank."""
    return factories.merchant_user(username="merchant-wang")


@pytest.fixture
def other_merchant(db):
    """Another merchant's user, of another partner: must never see `merchant`'s things."""
    return factories.merchant_user(username="merchant-li")


@pytest.fixture
def dispatcher(db):
    return factories.UserFactory(username="dispatcher-zhou", role=User.Role.DISPATCHER)


@pytest.fixture
def manager(db):
    return factories.UserFactory(username="manager-sun", role=User.Role.MANAGER)


@pytest.fixture
def technician(db):
    """A technician (the Technician record; its user signs in)."""
    return factories.TechnicianFactory(user__username="tech-zhang")


@pytest.fixture
def partner(merchant):
    """A user of the partner that brought `merchant`."""
    return factories.partner_user(partner=merchant.merchant.partner, username="partner-east")


@pytest.fixture
def other_partner(other_merchant):
    return factories.partner_user(partner=other_merchant.merchant.partner, username="partner-pearl")


@pytest.fixture
def sla_policy(db):
    return factories.SLAPolicyFactory()


@pytest.fixture
def file_at(merchant, sla_policy):
    """File a ticket through the real service as `merchant` at a given moment (the clock stopped
    there), so its deadlines do not depend on when the suite runs."""

    def file(moment: datetime.datetime, **overrides):
        with time_machine.travel(moment, tick=False):
            return factories.file_ticket(merchant, **overrides)

    return file


@pytest.fixture
def told(dispatcher, manager):
    """The people escalations reach: a dispatcher and a manager with a mobile number."""
    manager.phone = "13900001111"
    manager.save(update_fields=["phone"])
    return {"dispatcher": dispatcher, "manager": manager}


@pytest.fixture
def device(merchant):
    """An in-warranty terminal of `merchant`."""
    return factories.device_in_warranty(merchant.merchant)


@pytest.fixture
def ticket(merchant, device, sla_policy):
    """A repair request `merchant` filed just now for `device`."""
    return factories.file_ticket(merchant, device=device)


# --- API clients -------------------------------------------------------------------------------------


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
