"""Request rates, shared by every web process through the cache (Redis in production).

A partner key gets `API_THROTTLE_RATES["key"]` unless the admin set a rate on the key itself;
signed-in users get the "user" rate, anonymous callers the "anon" rate per address. Over the rate
the API answers 429 with `Retry-After`. Wrong API keys are counted per address
(`API_KEY_FAILURE_RATE`); past that rate every API-key request from the address answers 429 until
the period has passed, so keys cannot be guessed at speed.

Policy when the cache is unreachable: rates fail open. The request is served unthrottled and a
warning is logged (at most once a minute per process); an outage of Redis must not turn every API
call, reads included, into an error. Abuse during an outage is bounded by the web processes'
capacity, and the sign-in lockout does not depend on the cache (it lives in the database).
"""

import functools
import logging

import redis
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from api.models import PartnerAPIKey
from possystem.client import client_ip
from possystem.outages import OutageWarning

logger = logging.getLogger(__name__)

# What an unreachable cache raises: redis-py's errors, and the socket's own.
CACHE_ERRORS = (redis.RedisError, OSError)
_warn = OutageWarning(logger)


def fail_open(default):
    """Run the wrapped cache access; when the cache is unreachable, log and return `default`."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except CACHE_ERRORS as error:
                _warn("The cache is unreachable; API rates are not enforced meanwhile: %s", error, exc_info=False)
                return default

        return wrapper

    return decorate


class ApiRateThrottle(SimpleRateThrottle):
    cache_format = "api-throttle:%(scope)s:%(ident)s"

    def __init__(self):
        # The rate depends on the caller, so it is chosen per request in allow_request.
        pass

    @fail_open(default=True)
    def allow_request(self, request, view):
        scope, ident, rate = self.caller(request)
        self.scope, self.ident, self.rate = scope, ident, rate
        self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request, view)

    def caller(self, request) -> tuple[str, str, str | None]:
        rates = settings.API_THROTTLE_RATES
        if isinstance(request.auth, PartnerAPIKey):
            return "key", str(request.auth.pk), request.auth.throttle_rate or rates["key"]
        if request.user and request.user.is_authenticated:
            return "user", str(request.user.pk), rates["user"]
        return "anon", self.get_ident(request), rates["anon"]

    def get_ident(self, request):
        return client_ip(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


class KeyFailureThrottle(SimpleRateThrottle):
    """Wrong API keys from one address, in a sliding window of `API_KEY_FAILURE_RATE`."""

    cache_format = "api-key-failures:%(ident)s"

    def __init__(self, request):
        self.rate = settings.API_KEY_FAILURE_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.cache_format % {"ident": client_ip(request)}
        self.history: list[float] = []
        self.now = self.timer()

    @fail_open(default=None)
    def blocked_for(self) -> float | None:
        """Seconds until the address may try a key again, or None when it may now."""
        self.history = [moment for moment in self.cache.get(self.key, []) if moment > self.now - self.duration]
        if len(self.history) < self.num_requests:
            return None
        return max(1.0, self.history[-1] + self.duration - self.now)

    @fail_open(default=None)
    def record_failure(self) -> None:
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history[: self.num_requests], self.duration)

    def refuse_if_blocked(self) -> None:
        wait = self.blocked_for()
        if wait is not None:
            raise exceptions.Throttled(
                wait=wait,
                detail=_("Too many wrong API keys came from your address. Try again in %(seconds)d seconds.")
                % {"seconds": int(wait + 0.999)},
            )
