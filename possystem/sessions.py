"""Sessions kept in the shared cache (Redis) in front of the database: a signed-in page reads its
session from the cache, not with a SQL query, and the database still holds every session, so a
restarted or emptied cache signs nobody out.

Django's own `cached_db` store falls back to the database when a cache read fails, but not when it
writes the session it then read back into the cache, nor when it deletes one (signing out) or checks
that a new session key is free (signing in): with Redis unreachable those would raise and the page
would fail. Here every cache call is allowed to fail; the database answers instead.

A session stays in the cache for `CACHE_SECONDS` at most, however long it lives: a sign-out during
an outage deletes the session from the database but cannot reach the cache, and the copy left
there would otherwise sign the cookie in again once the cache is back, for the session's whole
remaining life. With the bound, everywhere within ten minutes; an active user's session is read
from the database once in that time.
"""

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

from possystem.outages import OutageWarning

logger = logging.getLogger(__name__)

CACHE_SECONDS = 10 * 60
# While the cache is down every signed-in request fails to reach it: one warning a minute per process.
_warn = OutageWarning(logger)


class SessionStore(CachedDBStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            _warn("Could not read a session from the cache; reading it from the database")
            return DBStore.load(self)
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        self._cache_call(
            "set", self.cache_key, data, min(CACHE_SECONDS, self.get_expiry_age(expiry=stored.expire_date))
        )
        return data

    def exists(self, session_key):
        if session_key and self._cache_call("has_key", self.cache_key_prefix + session_key):
            return True
        return DBStore.exists(self, session_key)

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        self._cache_call("set", self.cache_key, self._session, min(CACHE_SECONDS, self.get_expiry_age()))

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is not None:
            self._cache_call("delete", self.cache_key_prefix + session_key)

    def _cache_call(self, method: str, *args):
        try:
            return getattr(self._cache, method)(*args)
        except Exception:
            _warn("Could not %s a session in the cache", method)
            return None
