"""Per-key request rates, shared by every web process through the cache (Redis in production).

A partner key gets `API_THROTTLE_RATES["key"]` unless the admin set a rate on the key itself;
signed-in users get the "user" rate, anonymous callers the "anon" rate per address. Over the rate
the API answers 429 with `Retry-After`.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import PartnerAPIKey


class ApiRateThrottle(SimpleRateThrottle):
    cache_format = "api-throttle:%(scope)s:%(ident)s"

    def __init__(self):
        # The rate depends on the caller, so it is chosen per request in allow_request.
        pass

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

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}
