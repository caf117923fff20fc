"""How times read in messages, notices and exports: local time (Asia/Shanghai), to the minute."""

import datetime

from django.utils import timezone


def local_minute(moment: datetime.datetime | None) -> str:
    """`2026-11-26 14:05` in the site's time zone; a dash for no time at all."""
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
