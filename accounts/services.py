"""Writes to organisations."""

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Merchant, Partner, Region
from accounts.scoping import is_staff_actor
from accounts.validators import mobile_checked
from possystem.errors import ActionNotAllowed, InvalidInput

CODE = re.compile(r"^[-a-zA-Z0-9_]+$")


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
    if not code or not CODE.match(code):
        errors["code"] = [_("Use letters, digits, dashes and underscores for the merchant code.")]
    elif Merchant.objects.filter(code=code).exists():
        errors["code"] = [_("Merchant code %(code)s is already taken.") % {"code": code}]
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
        raise InvalidInput({"code": [_("Merchant code %(code)s is already taken.") % {"code": code}]}) from error
