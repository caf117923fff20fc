"""`Authorization: Api-Key <key>`: the caller is the key's partner, shaped as a `PartnerPrincipal`."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework_api_key.permissions import KeyParser

from accounts.scoping import PartnerPrincipal
from api.models import PartnerAPIKey
from api.throttling import KeyFailureThrottle

# `last_used_at` is written at most this often per key, so a busy key does not turn every read
# into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = KeyParser.keyword
    key_parser = KeyParser()

    def authenticate(self, request):
        key = self.key_parser.get_from_authorization(request._request)
        if key is None:
            return None  # not an API-key request: the next authenticator (session) decides
        # An address that sent too many wrong keys is refused before its key is even looked at.
        failures = KeyFailureThrottle(request)
        failures.refuse_if_blocked()
        key = key.strip()
        prefix = key.partition(".")[0]
        # Keys are printable ASCII; anything else (a NUL byte, say) is wrong without asking the database.
        well_formed = key.isascii() and key.isprintable() and 0 < len(key) <= 200
        api_key = (
            PartnerAPIKey.objects.select_related("partner").filter(prefix=prefix, revoked=False).first()
            if well_formed
            else None
        )
        if api_key is None or not api_key.is_valid(key) or api_key.has_expired:
            failures.record_failure()
            raise exceptions.AuthenticationFailed(_("This API key is not valid, or it was revoked."))
        _touch(api_key)
        return PartnerPrincipal(partner=api_key.partner, api_key=api_key), api_key

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return self.keyword


def _touch(api_key: PartnerAPIKey) -> None:
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    PartnerAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
