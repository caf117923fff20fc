"""Input checks for people and organisations, shared by forms, API serializers and services."""

import functools

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_mainland_mobile(value: str) -> str:
    """A mainland China mobile number as its 11 digits; raises ValidationError otherwise.

    Accepts spaces, dashes and a +86 / 0086 prefix, as people type them.
    """
    digits = _mobile_digits((value or "").strip())
    if digits is None:
        raise ValidationError(_("Enter a mainland China mobile number, e.g. 138 0013 8000."), code="invalid_phone")
    return digits


@functools.lru_cache(maxsize=4096)
def _mobile_digits(raw: str) -> str | None:
    """The national number of a mainland mobile, or None. Filing checks a number on the form and
    again in the service, and the same few numbers come back: parsed once per process."""
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return str(number.national_number)


def mobile_checked(value: str, errors: dict[str, list[str]], *, field: str = "contact_phone") -> str:
    """The number normalised; what is wrong with it is added to `errors` under `field` (and the
    number returned as typed), for the caller to refuse together with its other fields."""
    try:
        return normalize_mainland_mobile(value)
    except ValidationError as error:
        errors[field] = list(error.messages)
        return value
