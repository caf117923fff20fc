"""`Idempotency-Key` on POST: a retry answers the first response and does nothing new.

Policy:
- The key is scoped to the caller (a partner, across its keys; or a signed-in user) and kept for
  `API_IDEMPOTENCY_TTL` (24 hours); after that the same key starts afresh.
- The request's fingerprint is its method, path and JSON body (parsed, so formatting does not
  matter). The same key with another fingerprint is refused with 422 and does nothing.
- Only a successful (2xx) answer is stored. An error answer rolls back everything the request did,
  stores nothing, and a retry runs again.
- The key row is inserted first, in the same transaction as the request's work. A concurrent retry
  with the same key blocks on the unique index until the first request ends; if it committed, the
  retry replays its answer; if it rolled back, the retry does the work itself. Two retries can
  therefore never both create.
"""

import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

from api.models import IdempotencyKey, PartnerAPIKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was already used for a different request. Use a new key for a new request."
    )


class InvalidHeader(exceptions.ValidationError):
    status_override = status.HTTP_400_BAD_REQUEST


class _Discard(Exception):
    """Leaves the transaction, rolling back the request's work and its key, keeping the response."""

    def __init__(self, response):
        self.response = response


def owner_of(request) -> str:
    if isinstance(request.auth, PartnerAPIKey):
        return f"partner:{request.auth.partner_id}"
    return f"user:{request.user.pk}"


def fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= 255 and all(32 < ord(char) < 127 for char in key)


def run(request, respond: Callable[[], HttpResponse]) -> HttpResponse:
    """Answer `request` through `respond()` under its Idempotency-Key, if it has one."""
    key = request.headers.get(HEADER)
    if key is None:
        return respond()
    if not _valid_key(key):
        raise InvalidHeader({HEADER: [_("Use 1 to 255 visible ASCII characters, e.g. a UUID.")]})
    owner, print_ = owner_of(request), fingerprint(request)
    now = timezone.now()
    try:
        with transaction.atomic():
            IdempotencyKey.objects.filter(owner=owner, key=key, expires_at__lte=now).delete()
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(
                        owner=owner,
                        key=key,
                        fingerprint=print_,
                        method=request.method,
                        path=request.path[:255],
                        response_status=0,
                        response_body=b"",
                        response_content_type="",
                        created_at=now,
                        expires_at=now + settings.API_IDEMPOTENCY_TTL,
                    )
            except IntegrityError:
                first = IdempotencyKey.objects.get(owner=owner, key=key)
                return replay(first, print_)
            response = respond()
            if not 200 <= response.status_code < 300:
                raise _Discard(response)
            row.response_status = response.status_code
            row.response_body = bytes(response.content)
            row.response_content_type = response.get("Content-Type", "application/json")
            row.response_location = response.get("Location", "")[:255]
            row.save(
                update_fields=[
                    "response_status",
                    "response_body",
                    "response_content_type",
                    "response_location",
                ]
            )
            return response
    except _Discard as discard:
        return discard.response


def replay(first: IdempotencyKey, print_: str) -> HttpResponse:
    if first.fingerprint != print_:
        raise IdempotencyKeyReused()
    response = HttpResponse(
        bytes(first.response_body), status=first.response_status, content_type=first.response_content_type
    )
    if first.response_location:
        response["Location"] = first.response_location
    response[REPLAYED_HEADER] = "true"
    return response
