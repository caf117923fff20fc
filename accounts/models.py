from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopePaths
from possystem.fields import latitude_field, longitude_field


class Region(models.Model):
    """A service region (usually a city); technicians serve regions, devices stand in one."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        """The name in the active language."""
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Partner(models.Model):
    """A bank, acquirer or reseller that brings merchants and calls the API."""

    class Kind(models.TextChoices):
        BANK = "bank", _("Bank")
        ACQUIRER = "acquirer", _("Acquirer")
        RESELLER = "reseller", _("Reseller")

    name = models.CharField(_("name"), max_length=128, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    contact_email = models.EmailField(_("contact email"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopePaths(partner="pk")

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self):
        return self.name


class Merchant(models.Model):
    class Tier(models.TextChoices):
        STANDARD = "standard", _("Standard")
        PREMIUM = "premium", _("Premium")

    name = models.CharField(_("name"), max_length=128)
    code = models.SlugField(_("merchant code"), max_length=32, unique=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.STANDARD)
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        help_text=_("The partner that brought this merchant; it sees the merchant through the API."),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merchants",
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT)
    address = models.CharField(_("address"), max_length=255, blank=True)
    # Where the address is: set by an admin, or by the first verified visit that reported its location.
    latitude = latitude_field(_("latitude"))
    longitude = longitude_field(_("longitude"))
    contact_name = models.CharField(_("contact name"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopePaths(merchant="pk", partner="partner")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")

    def __str__(self):
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        MERCHANT = "merchant", _("Merchant")
        DISPATCHER = "dispatcher", _("Dispatcher")
        TECHNICIAN = "technician", _("Technician")
        MANAGER = "manager", _("Manager")
        PARTNER = "partner", _("Partner")
        ADMIN = "admin", _("Admin")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MERCHANT)
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    phone = models.CharField(_("mobile number"), max_length=32, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Notifications and e-mails are written in this language."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A merchant user always belongs to a merchant, a partner user to a partner, and nobody
            # else to either: the scoping helper relies on it.
            models.CheckConstraint(
                name="user_merchant_iff_merchant_role",
                condition=Q(role="merchant", merchant__isnull=False) | (~Q(role="merchant") & Q(merchant__isnull=True)),
            ),
            models.CheckConstraint(
                name="user_partner_iff_partner_role",
                condition=Q(role="partner", partner__isnull=False) | (~Q(role="partner") & Q(partner__isnull=True)),
            ),
        ]


class AuditEntry(models.Model):
    """One security-relevant event: a sign-in, a failed sign-in, a lockout, a password change or
    reset, an API key made or revoked, a webhook subscribed or removed. Written by
    `accounts.audit.audit_record`, never changed; admins read them in the admin."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
        PASSWORD_RESET = "password_reset", _("Password reset by e-mail")
        API_KEY_CREATED = "api_key_created", _("API key created")
        API_KEY_REVOKED = "api_key_revoked", _("API key revoked")
        WEBHOOK_SUBSCRIBED = "webhook_subscribed", _("Webhook subscribed")
        WEBHOOK_UNSUBSCRIBED = "webhook_unsubscribed", _("Webhook removed")

    at = models.DateTimeField(_("at"), db_index=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    # Who did it: a signed-in user, a partner's API key, or only a name typed into the sign-in form.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    target = models.CharField(_("what"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            # The admin's list, newest first, filtered by action.
            models.Index(fields=["action", "-at"], name="audit_entry_by_action"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.actor_name}"
