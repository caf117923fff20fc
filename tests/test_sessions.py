"""Sessions read from the shared cache and kept in the database (possystem.sessions): a signed-in
page makes no query for its session, an emptied cache or an unreachable one signs nobody out, and
signing out ends the session everywhere."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from possystem import sessions
from possystem.sessions import CACHE_SECONDS
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(username) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def list_page(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("tickets:list"))
    return response, [query["sql"] for query in captured if "django_session" in query["sql"]]


class Down:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Redis is down")

        return fail


@pytest.fixture
def cache_down(monkeypatch):
    monkeypatch.setattr(cached_db, "caches", {settings.SESSION_CACHE_ALIAS: Down()})


def test_the_engine_is_the_cached_one_with_a_shared_cache():
    assert settings.SESSION_ENGINE == "possystem.sessions"


def test_a_signed_in_page_reads_its_session_from_the_cache(merchant):
    client = signed_in(merchant.username)
    response, session_queries = list_page(client)
    assert response.status_code == 200 and session_queries == []


def test_a_session_the_cache_lost_is_read_from_the_database_and_cached_again(merchant):
    client = signed_in(merchant.username)
    cache.delete(cached_db.KEY_PREFIX + client.cookies[settings.SESSION_COOKIE_NAME].value)
    response, session_queries = list_page(client)
    assert response.status_code == 200 and len(session_queries) == 1
    response, session_queries = list_page(client)
    assert response.status_code == 200 and session_queries == []


def test_with_the_cache_down_people_sign_in_use_pages_and_sign_out(merchant, cache_down):
    client = signed_in(merchant.username)
    response, session_queries = list_page(client)
    assert response.status_code == 200 and len(session_queries) == 1
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("tickets:list")).status_code == 302  # to the sign-in page


def test_an_outage_is_logged_once_a_minute_not_once_a_request(merchant, cache_down, caplog):
    sessions._warn.reset()
    client = signed_in(merchant.username)
    for _ in range(3):
        client.get(reverse("tickets:list"))
    assert [r.levelname for r in caplog.records if r.name == "possystem.sessions"] == ["WARNING"]


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(merchant):
    client = signed_in(merchant.username)
    copy = Client(HTTP_ACCEPT_LANGUAGE="en")
    copy.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert copy.get(reverse("tickets:list")).status_code == 200
    client.post(reverse("accounts:logout"))
    response = copy.get(reverse("tickets:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_beat_clears_expired_sessions_from_the_database_each_night(merchant, settings):
    from django.contrib.sessions.models import Session

    from accounts.tasks import clear_sessions

    signed_in(merchant.username)
    expired = signed_in(merchant.username).cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=expired).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    clear_sessions()
    assert Session.objects.count() == 1 and not Session.objects.filter(session_key=expired).exists()
    assert settings.CELERY_BEAT_SCHEDULE["accounts-clear-sessions"]["task"] == clear_sessions.name


def test_a_sign_out_the_cache_did_not_hear_of_lasts_no_longer_than_the_cached_copy(merchant, monkeypatch):
    client = signed_in(merchant.username)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    copy = Client(HTTP_ACCEPT_LANGUAGE="en")
    copy.cookies[settings.SESSION_COOKIE_NAME] = key
    with monkeypatch.context() as outage:
        outage.setattr(cached_db, "caches", {settings.SESSION_CACHE_ALIAS: Down()})
        client.post(reverse("accounts:logout"))  # gone from the database, still in the cache
    seconds_left = cache._cache.get_client().ttl(cache.make_key(cached_db.KEY_PREFIX + key))
    assert 0 < seconds_left <= CACHE_SECONDS < settings.SESSION_COOKIE_AGE
    cache.delete(cached_db.KEY_PREFIX + key)  # as the copy expires
    assert copy.get(reverse("tickets:list")).status_code == 302
