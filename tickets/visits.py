"""What makes a visit verified: the ticket's confirmation code, with a lock-out after repeated wrong
codes, and the phone's location with the distance to the site.

The lock-out counts in the shared cache (Redis), not in the database: a refused check-in rolls back
whatever the request wrote (an API call with an Idempotency-Key rolls back the whole request), and
the count of wrong codes must survive that. The lock holds `VISIT_CODE_LOCKOUT_MINUTES` after the
`VISIT_CODE_MAX_ATTEMPTS`-th wrong code in a row; a right code clears the count.
"""

import datetime
import hmac
import math
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Merchant
from devices.models import Device
from tickets.models import Ticket

# A location this rough does not teach a site where it is (a first fix indoors can be 1 km off).
SITE_FIX_MAX_ACCURACY_M = 100
EARTH_RADIUS_M = 6_371_008.8


def _keys(ticket: Ticket) -> tuple[str, str]:
    return f"visit-code:{ticket.pk}:wrong", f"visit-code:{ticket.pk}:locked-until"


def _lockout() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.VISIT_CODE_LOCKOUT_MINUTES)


def code_matches(ticket: Ticket, code: str) -> bool:
    return hmac.compare_digest((code or "").strip().encode(), ticket.confirmation_code.encode())


def code_locked_until(ticket: Ticket, now: datetime.datetime) -> datetime.datetime | None:
    """When check-in opens again for `ticket`, or None when it is open."""
    stamp = cache.get(_keys(ticket)[1])
    if stamp is None:
        return None
    until = datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)
    return until if until > now else None


def code_wrong(ticket: Ticket, now: datetime.datetime) -> datetime.datetime | None:
    """Count one wrong code; when it is one too many, lock check-in and return until when."""
    wrong_key, lock_key = _keys(ticket)
    seconds = int(_lockout().total_seconds())
    cache.add(wrong_key, 0, timeout=seconds)
    try:
        wrong = cache.incr(wrong_key)
    except ValueError:  # expired between add and incr
        cache.set(wrong_key, 1, timeout=seconds)
        wrong = 1
    if wrong < settings.VISIT_CODE_MAX_ATTEMPTS:
        return None
    until = now + _lockout()
    # The cache entry outlives the lock a little; the time stored in it decides (and tests travel).
    cache.set(lock_key, until.timestamp(), timeout=seconds + 60)
    cache.delete(wrong_key)
    return until


def code_forget(ticket: Ticket) -> None:
    """A right code: the wrong ones before it no longer count."""
    cache.delete(_keys(ticket)[0])


def site_of(ticket: Ticket) -> Device | Merchant:
    """Where the technician goes: the terminal's site when it has an address, else the merchant's."""
    if ticket.device is not None and ticket.device.site_address:
        return ticket.device
    return ticket.merchant


def distance_m(lat1: Decimal, lon1: Decimal, lat2: Decimal, lon2: Decimal) -> int:
    """Great-circle distance in metres (haversine). On a sphere the error is under 0.5 %, far below
    what a phone's location is sure of, so a geodesy library would add a dependency and nothing else."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi, dlambda = phi2 - phi1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))


def site_learn(site: Device | Merchant, *, latitude: Decimal, longitude: Decimal, accuracy_m: int | None) -> bool:
    """Give a site without coordinates those of a verified visit that knew where it was; the first
    such visit wins. Returns whether it did."""
    if site.latitude is not None or accuracy_m is None or accuracy_m > SITE_FIX_MAX_ACCURACY_M:
        return False
    learned = (
        type(site).objects.filter(pk=site.pk, latitude__isnull=True).update(latitude=latitude, longitude=longitude)
    )
    if learned:
        site.latitude, site.longitude = latitude, longitude
    return bool(learned)


def local_time(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")
