"""Writes of the API platform: partner keys and the expiry of idempotency keys."""

from django.db import transaction
from django.utils import timezone

from accounts.audit import Action, audit_record
from accounts.models import Partner
from api.models import IdempotencyKey, PartnerAPIKey


def api_key_create(*, partner: Partner, name: str, by=None, request=None) -> tuple[PartnerAPIKey, str]:
    """Make a key for `partner`; returns the record and the key, which is never stored or shown again.
    `by` is the admin who made it (None: a command on the server)."""
    with transaction.atomic():
        api_key, key = PartnerAPIKey.objects.create_key(partner=partner, name=name[:50])
        api_key_audit(api_key=api_key, action=Action.API_KEY_CREATED, by=by, request=request)
    return api_key, key


def api_key_audit(*, api_key: PartnerAPIKey, action: str, by=None, request=None) -> None:
    """The audit entry of a key made or revoked; `by` None means a command on the server. (The
    admin's add form makes keys through the library itself and calls this after.)"""
    audit_record(
        action=action,
        request=request,
        actor=by,
        actor_name="" if by else "manage.py",
        partner=api_key.partner,
        target=f"{api_key.prefix} {api_key.name}",
    )


@transaction.atomic
def api_key_replace(*, partner: Partner, name: str) -> tuple[PartnerAPIKey, str]:
    """Revoke-and-delete the partner's keys called `name`, then make a fresh one (the demo key)."""
    PartnerAPIKey.objects.filter(partner=partner, name=name[:50]).delete()
    return api_key_create(partner=partner, name=name)


def api_key_revoke(*, api_key: PartnerAPIKey, by=None, request=None) -> bool:
    """Revoke a key for good; True when this call revoked it (False: it already was)."""
    with transaction.atomic():
        revoked = PartnerAPIKey.objects.filter(pk=api_key.pk, revoked=False).update(revoked=True) == 1
        if revoked:
            api_key_audit(api_key=api_key, action=Action.API_KEY_REVOKED, by=by, request=request)
    api_key.revoked = True
    return revoked


def idempotency_keys_purge(*, now=None, batch: int = 10_000) -> int:
    """Delete idempotency keys past their 24 hours (uses the `idempotency_key_expiry` index)."""
    now = now or timezone.now()
    expired = IdempotencyKey.objects.filter(expires_at__lte=now).values("pk")[:batch]
    deleted, _rows = IdempotencyKey.objects.filter(pk__in=expired).delete()
    return deleted
