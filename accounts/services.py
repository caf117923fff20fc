"""Writes to organisations."""

import re
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Merchant, Partner, Region
from accounts.scoping import is_staff_actor, visible_to
from accounts.validators import mobile_checked
from possystem.errors import ActionNotAllowed, InvalidInput

CODE = re.compile(r"[-a-zA-Z0-9_]+")
# The one answer for a merchant code that cannot be registered, whatever the reason: malformed, or
# (for a partner) another partner's merchant's. "Taken" would tell them that merchant exists.
MERCHANT_CODE_REFUSED = gettext_lazy(
    "This merchant code cannot be registered. Use letters, digits, dashes and underscores; if the code is "
    "right, contact the service provider."
)


def merchant_register(
    *,
    by,
    name: str,
    code: str,
    tier: str = Merchant.Tier.STANDARD,
    partner: Partner | None = None,
    region: Region | None = None,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
) -> Merchant:
    """Register a merchant. A partner registers the merchants it brings (standard tier: the service
    level of a premium merchant is the provider's to grant); staff register any, for any partner."""
    if is_staff_actor(by):
        pass
    elif by is not None and by.role == "partner" and by.partner_id:
        if partner is not None and partner.pk != by.partner_id:
            raise ActionNotAllowed(_("You can only register merchants for your own organisation."), field="partner")
        if tier != Merchant.Tier.STANDARD:
            raise ActionNotAllowed(_("Only the service provider can grant the premium tier."), field="tier")
        partner = by.partner
    else:
        raise ActionNotAllowed(_("Only partners and staff can register merchants."))
    errors: dict[str, list[str]] = {}
    name, code = (name or "").strip(), (code or "").strip()
    if not name:
        errors["name"] = [_("Enter the merchant's name.")]
    taken = Merchant.objects.filter(code=code)
    if not code or not CODE.fullmatch(code):
        errors["code"] = [str(MERCHANT_CODE_REFUSED)]
    elif taken.exists():
        # "Taken" only to a caller who can see the merchant; to anyone else it is just a code that
        # cannot be registered, so registering is no way to learn another partner's merchants.
        errors["code"] = [_merchant_code_taken(code) if visible_to(taken, by).exists() else str(MERCHANT_CODE_REFUSED)]
    if tier not in Merchant.Tier.values:
        errors["tier"] = [_("Choose a tier.")]
    if contact_phone:
        contact_phone = mobile_checked(contact_phone, errors)
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            return Merchant.objects.create(
                name=name,
                code=code,
                tier=tier,
                partner=partner,
                region=region,
                address=address.strip(),
                contact_name=contact_name.strip(),
                contact_phone=contact_phone,
                contact_email=contact_email.strip(),
            )
    except IntegrityError as error:
        # Another request registered the same code between the check and the insert.
        raise InvalidInput({"code": [str(MERCHANT_CODE_REFUSED)]}) from error


def _merchant_code_taken(code: str) -> str:
    return _("Merchant code %(code)s is already taken.") % {"code": code}


# --- passwords ------------------------------------------------------------------------------------

# One reset e-mail per user in this window: asking again meanwhile sends nothing new, so the form
# cannot be used to flood someone's mailbox.
PASSWORD_RESET_MAIL_WINDOW_SECONDS = 10 * 60


def password_reset_mail_queue(*, user, subject: str, body: str, now=None) -> bool:
    """Queue a password-reset e-mail to `user` through the notifications outbox (sent by a worker,
    retried on failure, never inside the request). Returns False when one already went out in
    this window."""
    from django.utils import timezone

    from notifications.services import email_queue_once

    now = now or timezone.now()
    window = int(now.timestamp()) // PASSWORD_RESET_MAIL_WINDOW_SECONDS
    return email_queue_once(
        recipient=user,
        subject=subject,
        body=body,
        source=f"password-reset:{user.pk}:{window}",
        secret=True,  # the link signs in as the user: not for the admin's eyes
        now=now,
    )


def user_password_reset_done(*, user, request=None) -> None:
    """After a password was reset by e-mail: the owner of the mailbox proved who they are, so the
    sign-in lockout of the account ends, and the audit log says so."""
    from axes.utils import reset as axes_reset

    from accounts.audit import Action, audit_record

    axes_reset(username=user.get_username())
    audit_record(action=Action.PASSWORD_RESET, request=request, actor=user)


def sessions_clear_expired() -> None:
    """Delete the sessions past their expiry from the database (the cache lets its copies expire on
    their own): Django leaves them in place until someone clears them, one row per sign-in."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
