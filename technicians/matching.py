"""How well a technician suits a job: the dispatcher's ranked suggestions with their reasons, and
the concerns an assignment must be confirmed over (off shift, outside the region, untrained, full).

One reading for both: the ticket page ranks candidates with `Fit.rank` and shows `Fit.reasons`;
`tickets.services.ticket_assign` refuses an assignment with `Fit.concerns` unless the dispatcher
gives a reason, which goes on the timeline with the concerns.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from technicians.models import Technician, TechnicianSkill
from technicians.shifts import ShiftBook


class Concern(StrEnum):
    OFF_SHIFT = "off_shift"
    OUTSIDE_REGION = "outside_region"
    UNTRAINED = "untrained"
    FULL = "full"


CONCERN_LABELS = {
    Concern.OFF_SHIFT: gettext_lazy("off shift until after the deadline"),
    Concern.OUTSIDE_REGION: gettext_lazy("outside the region"),
    Concern.UNTRAINED: gettext_lazy("not trained on this model"),
    Concern.FULL: gettext_lazy("at capacity"),
}


def concerns_text(concerns) -> str:
    """The concerns in words, in the active language: "off shift until after the deadline, at capacity"."""
    return _(", ").join(str(CONCERN_LABELS[Concern(concern)]) for concern in concerns)


@dataclass(frozen=True)
class Job:
    """What matching needs to know about the job."""

    region_id: int | None
    region_name: str
    device_model_id: int | None
    device_model_name: str
    deadline: datetime.datetime | None


@dataclass(frozen=True)
class Reason:
    text: str
    good: bool | None  # True speaks for the technician, False against, None is neutral


@dataclass(frozen=True)
class Fit:
    technician: Technician
    job: Job
    in_region: bool | None  # None: the job has no region
    skill: TechnicianSkill | None
    open_jobs: int
    on_shift: bool
    shift_ends: datetime.datetime | None
    next_shift: datetime.datetime | None
    works_before_deadline: bool

    @property
    def trained(self) -> bool | None:
        return None if self.job.device_model_id is None else self.skill is not None

    @property
    def full(self) -> bool:
        return self.open_jobs >= self.technician.capacity

    @property
    def concerns(self) -> list[Concern]:
        found = []
        if not self.on_shift and not self.works_before_deadline:
            found.append(Concern.OFF_SHIFT)
        if self.in_region is False:
            found.append(Concern.OUTSIDE_REGION)
        if self.trained is False:
            found.append(Concern.UNTRAINED)
        if self.full:
            found.append(Concern.FULL)
        return found

    @property
    def concerns_text(self) -> str:
        return concerns_text(self.concerns)

    @property
    def rank(self) -> tuple:
        """Best first: no concerns, trained, in the region, on shift, working before the deadline,
        then the least loaded."""
        return (
            len(self.concerns),
            self.trained is False,
            self.in_region is False,
            not self.on_shift,
            not self.works_before_deadline,
            self.open_jobs / self.technician.capacity,
            str(self.technician),
        )

    @property
    def reasons(self) -> list[Reason]:
        """Why the technician suits the job or not, in the active language."""
        reasons = []
        regions = _(", ").join(region.label for region in self.technician.regions.all()) or _("no region")
        if self.in_region:
            reasons.append(Reason(_("Serves %(region)s") % {"region": self.job.region_name}, True))
        elif self.in_region is False:
            reasons.append(Reason(_("Outside the region (serves %(regions)s)") % {"regions": regions}, False))
        if self.skill is not None:
            reasons.append(
                Reason(
                    _("Trained on %(model)s since %(date)s")
                    % {"model": self.job.device_model_name, "date": self.skill.trained_on.isoformat()},
                    True,
                )
            )
        elif self.trained is False:
            reasons.append(Reason(_("Not trained on %(model)s") % {"model": self.job.device_model_name}, False))
        reasons.append(
            Reason(
                _("%(open)d of %(capacity)d open jobs")
                % {"open": self.open_jobs, "capacity": self.technician.capacity},
                False if self.full else None,
            )
        )
        reasons.append(self._shift_reason())
        return reasons

    def _shift_reason(self) -> Reason:
        if self.on_shift:
            if self.shift_ends is not None and self.shift_ends - timezone.now() < datetime.timedelta(days=1):
                return Reason(_("On shift until %(time)s") % {"time": _clock(self.shift_ends)}, True)
            return Reason(_("On shift now"), True)
        if self.next_shift is None:
            return Reason(_("Off shift: no shift in the next two weeks"), False)
        values = {"when": _moment(self.next_shift)}
        if self.works_before_deadline:
            return Reason(_("Off shift now; next shift %(when)s, before the deadline") % values, None)
        return Reason(_("Off shift until after the deadline; next shift %(when)s") % values, False)


def _clock(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _moment(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{date_format(local, 'D')} {local:%m-%d %H:%M}"


def fit_of(technician: Technician, *, job: Job, now: datetime.datetime) -> Fit:
    """How `technician` suits `job` at `now`. Expects the technician's regions, skills, shifts and
    leaves prefetched and `open_jobs` annotated (`technicians.selectors.for_matching`)."""
    book = ShiftBook.of(technician)
    current = book.current(now)
    regions = {region.pk for region in technician.regions.all()}
    skill = next((s for s in technician.skills.all() if s.device_model_id == job.device_model_id), None)
    deadline = job.deadline if job.deadline and job.deadline > now else None
    return Fit(
        technician=technician,
        job=job,
        in_region=None if job.region_id is None else job.region_id in regions,
        skill=skill if job.device_model_id is not None else None,
        open_jobs=technician.open_jobs,
        on_shift=current is not None,
        shift_ends=current.ends if current else None,
        next_shift=None if current else book.next_start(now),
        # With no deadline ahead (none set, or already passed) only being on shift now counts.
        works_before_deadline=current is not None or (deadline is not None and book.works_before(now, deadline)),
    )
