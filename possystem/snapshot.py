"""Small, rarely changed tables read once per process instead of once per request: the working
calendar's corrections and the SLA policies are read by every filing and every ticket page, and
change a few times a year in the admin.

A snapshot keeps what it loaded with the version it loaded under. The version lives in the shared
cache (Redis): a change in any process writes a new one (`changed`, on save and delete, again after
the commit), and every process sees it on its next read and loads again. Reading the version is a
cache hit, not a SQL query. While the cache is unreachable, or after it lost the key, every read
loads from the database: slower, never stale.
"""

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Versions read ahead by `versions_read_together`, by cache key, for the thread's current block.
_read_ahead = threading.local()


class Snapshot(Generic[T]):
    def __init__(self, name: str, load: Callable[[], T]):
        self._key = f"snapshot:{name}"
        self._load = load
        self._lock = threading.Lock()
        self._version: str | None = None
        self._value: T | None = None

    def get(self) -> T:
        version = self._current_version()
        with self._lock:
            if version is not None and version == self._version:
                return self._value
        value = self._load()
        with self._lock:
            self._version, self._value = version, value
        return value

    def changed(self) -> None:
        """Call where the table changes (a post_save or post_delete receiver): every process loads it
        again, now and once the change has committed (a reader in between may have loaded the old
        rows under the new version)."""
        self._bump()
        transaction.on_commit(self._bump)

    def _bump(self) -> None:
        with self._lock:
            self._version = None
        getattr(_read_ahead, "versions", {}).pop(self._key, None)
        try:
            cache.set(self._key, uuid.uuid4().hex, timeout=None)
        except Exception:  # the cache is down: readers load every time until it is back
            logger.warning("Could not mark %s as changed in the cache", self._key, exc_info=True)

    def _current_version(self) -> str | None:
        ahead = getattr(_read_ahead, "versions", {}).get(self._key)
        if ahead is not None:
            return ahead
        try:
            version = cache.get(self._key)
            if version is None:
                version = uuid.uuid4().hex
                # add(): of two processes starting at once, both end up with the first one's version.
                if not cache.add(self._key, version, timeout=None):
                    version = cache.get(self._key)
            return version
        except Exception:
            logger.warning("Could not read the version of %s from the cache", self._key, exc_info=True)
            return None


@contextmanager
def versions_read_together(*snapshots: Snapshot) -> Iterator[None]:
    """Inside the block, the snapshots' versions come from one cache read at its start: a filing
    reads three snapshots, so one round trip to the cache instead of three. For short blocks (one
    request's work); a change made inside it is seen at once, as outside."""
    previous = getattr(_read_ahead, "versions", None)
    try:
        found = cache.get_many([snapshot._key for snapshot in snapshots])
    except Exception:  # unreachable: each read tries the cache itself, as outside the block
        logger.warning("Could not read snapshot versions from the cache", exc_info=True)
        found = {}
    _read_ahead.versions = {**(previous or {}), **found}
    try:
        yield
    finally:
        _read_ahead.versions = previous if previous is not None else {}
