"""Input checks for people and organisations, shared by forms, API serializers and services."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_mainland_mobile(value: str) -> str:
    """A mainland China mobile number as its 11 digits; raises ValidationError otherwise.

    Accepts spaces, dashes and a +86 / 0086 prefix, as people type them.
    """
    raw = (value or "").strip()
    message = _("Enter a mainland China mobile number, e.g. 138 0013 8000.")
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as error:
        raise ValidationError(message, code="invalid_phone") from error
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise ValidationError(message, code="invalid_phone")
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(message, code="invalid_phone")
    return str(number.national_number)


def mobile_checked(value: str, errors: dict[str, list[str]], *, field: str = "contact_phone") -> str:
    """The number normalised; what is wrong with it is added to `errors` under `field` (and the
    number returned as typed), for the caller to refuse together with its other fields."""
    try:
        return normalize_mainland_mobile(value)
    except ValidationError as error:
        errors[field] = list(error.messages)
        return value
