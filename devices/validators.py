"""What a terminal's serial number and activation date may be; shared by registration through the
API, the admin's CSV import and the admin's forms."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# Letters, digits, dots, dashes and underscores, starting with a letter or a digit, at most 64:
# what manufacturers print on the label (PAX-A920-0001, NL.N910.0003), and what travels in a URL
# path unchanged.
SERIAL_NUMBER = re.compile(r"[A-Za-z0-9][-A-Za-z0-9_.]{0,63}")

# No card terminal in service was activated before this day.
EARLIEST_ACTIVATION = datetime.date(2000, 1, 1)


def serial_number_refused(serial: str) -> str:
    """The one answer for a serial number that cannot be registered, whatever the reason: badly
    formed, or (for a partner) a terminal registered by someone else. Saying "already registered" to
    a caller who cannot see that terminal would tell them it exists."""
    return _(
        "Serial number %(serial)s cannot be registered. A serial number is 1 to 64 letters, digits, dots, "
        "dashes or underscores; if this one is right, contact the service provider."
    ) % {"serial": serial}


def validate_serial_number(serial: str) -> None:
    if not SERIAL_NUMBER.fullmatch(serial or ""):
        raise ValidationError(
            _(
                "Serial number %(serial)s has characters that are not allowed: use letters, digits, dots, "
                "dashes and underscores, at most 64."
            )
            % {"serial": serial},
            code="serial_number",
        )


def validate_activation_date(day: datetime.date | None, *, today: datetime.date | None = None) -> None:
    """An activation date is a day that has come (in Asia/Shanghai), and not before 2000."""
    if day is None:
        return
    today = today or timezone.localdate()
    if not EARLIEST_ACTIVATION <= day <= today:
        raise ValidationError(
            _("The activation date must be between %(earliest)s and today (%(today)s).")
            % {"earliest": EARLIEST_ACTIVATION.isoformat(), "today": today.isoformat()},
            code="activation_date",
        )
