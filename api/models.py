import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from accounts.models import Partner
from accounts.scoping import ScopePaths

RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def validate_rate(value: str) -> None:
    if value and not RATE.match(value):
        raise ValidationError(_("Write a rate as requests/period, e.g. 600/min or 20000/hour."))


class PartnerAPIKey(AbstractAPIKey):
    """A partner's key: only its hash is stored; the key itself is shown once, when it is made."""

    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="api_keys")
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    throttle_rate = models.CharField(
        _("request rate"),
        max_length=16,
        blank=True,
        validators=[validate_rate],
        help_text=_("Requests this key may make, e.g. 600/min or 20000/hour. Blank: the default rate."),
    )

    scope = ScopePaths(partner="partner")

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")


class IdempotencyKey(models.Model):
    """The first successful answer to a POST carrying an `Idempotency-Key`, kept for 24 hours.

    Written in the same transaction as the work the POST did (see `api.idempotency`), so a key is
    never stored for work that was rolled back, and a concurrent retry waits on the unique index
    until the first request commits, then replays its answer.
    """

    owner = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.BinaryField()
    response_content_type = models.CharField(max_length=100)
    response_location = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_unique_per_owner")]
        indexes = [
            # api.services.idempotency_keys_purge deletes the expired ones.
            models.Index(fields=["expires_at"], name="idempotency_key_expiry"),
        ]

    def __str__(self):
        return f"{self.owner} · {self.key}"
