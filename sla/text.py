"""Words for SLA messages and pages, translated at the moment they are rendered."""

import datetime
import functools

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sla.models import Milestone

# A milestone inside a sentence ("the response deadline").
MILESTONE_PHRASES = {
    Milestone.RESPOND: gettext_lazy("response"),
    Milestone.ONSITE: gettext_lazy("on-site visit"),
    Milestone.RESOLVE: gettext_lazy("repair"),
}


def milestone_phrase(milestone: str) -> str:
    return str(MILESTONE_PHRASES[milestone])


@functools.cache
def _duration_forms(language: str | None) -> tuple[str, str, str, str]:
    """`duration_text`'s four forms in one language, translated once per process and language (the
    scanner writes hundreds of notices a batch)."""
    with translation.override(language):
        return (
            _("%(days)d d %(hours)d h"),
            _("%(hours)d h %(minutes)d min"),
            _("%(minutes)d min"),
            _("under a minute"),
        )


def duration_text(duration: datetime.timedelta) -> str:
    """A length of time the way people say it: "2 d 3 h", "3 h 20 min", "45 min", "under a minute"."""
    days_hours, hours_minutes, only_minutes, under_a_minute = _duration_forms(translation.get_language())
    minutes = int(abs(duration).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return days_hours % {"days": days, "hours": hours}
    if hours:
        return hours_minutes % {"hours": hours, "minutes": minutes}
    if minutes:
        return only_minutes % {"minutes": minutes}
    return under_a_minute
