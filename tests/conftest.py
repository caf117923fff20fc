"""Shared fixtures: the real services the suite runs against, and the personas of DESIGN.md."""

import pytest
import redis
from django.conf import settings

from accounts.models import User
from tests import factories


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
