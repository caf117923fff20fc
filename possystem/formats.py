"""How times and amounts read in messages, notices, pages and exports: local time (Asia/Shanghai) to
the minute, yuan to the fen."""

import datetime
from decimal import Decimal

from django.utils import timezone


def local_minute(moment: datetime.datetime | None) -> str:
    """`2026-11-26 14:05` in the site's time zone; a dash for no time at all."""
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def money(amount) -> str:
    """`¥1,230.00`: yuan with two decimals, however the amount was typed or stored."""
    return f"¥{Decimal(str(amount)):,.2f}"
