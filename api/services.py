"""Writes of the API platform: partner keys and the expiry of idempotency keys."""

from django.db import transaction
from django.utils import timezone

from accounts.models import Partner
from api.models import IdempotencyKey, PartnerAPIKey


def api_key_create(*, partner: Partner, name: str) -> tuple[PartnerAPIKey, str]:
    """Make a key for `partner`; returns the record and the key, which is never stored or shown again."""
    return PartnerAPIKey.objects.create_key(partner=partner, name=name[:50])


@transaction.atomic
def api_key_replace(*, partner: Partner, name: str) -> tuple[PartnerAPIKey, str]:
    """Revoke-and-delete the partner's keys called `name`, then make a fresh one (the demo key)."""
    PartnerAPIKey.objects.filter(partner=partner, name=name[:50]).delete()
    return api_key_create(partner=partner, name=name)


def api_key_revoke(*, api_key: PartnerAPIKey) -> bool:
    """Revoke a key for good; True when this call revoked it (False: it already was)."""
    revoked = PartnerAPIKey.objects.filter(pk=api_key.pk, revoked=False).update(revoked=True) == 1
    api_key.revoked = True
    return revoked


def idempotency_keys_purge(*, now=None, batch: int = 10_000) -> int:
    """Delete idempotency keys past their 24 hours (uses the `idempotency_key_expiry` index)."""
    now = now or timezone.now()
    expired = IdempotencyKey.objects.filter(expires_at__lte=now).values("pk")[:batch]
    deleted, _rows = IdempotencyKey.objects.filter(pk__in=expired).delete()
    return deleted
