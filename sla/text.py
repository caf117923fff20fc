"""Words for SLA messages and pages, translated at the moment they are rendered."""

import datetime

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


def duration_text(duration: datetime.timedelta) -> str:
    """A length of time the way people say it: "2 d 3 h", "3 h 20 min", "45 min", "under a minute"."""
    minutes = int(abs(duration).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("under a minute")
