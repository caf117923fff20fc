"""Reads of technicians shared by the dispatcher's pages, the API and the dashboard."""

import datetime

from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, QuerySet

from technicians.models import TechnicianSkill, active_assignment_q
from technicians.shifts import on_shift_q


def with_open_jobs(technicians: QuerySet) -> QuerySet:
    """Technicians annotated with `open_jobs`, their assignments still under way (one query)."""
    return technicians.annotate(open_jobs=Count("assignments", filter=active_assignment_q("assignments__")))


def for_matching(technicians: QuerySet) -> QuerySet:
    """What `technicians.matching.fit_of` reads, loaded for any number of technicians in six queries."""
    return (
        with_open_jobs(technicians)
        .select_related("user")
        .prefetch_related(
            "regions",
            Prefetch("skills", queryset=TechnicianSkill.objects.select_related("device_model")),
            "shifts",
            "leaves",
        )
    )


def with_on_shift(technicians: QuerySet, now: datetime.datetime | None = None) -> QuerySet:
    """Technicians annotated with `on_shift`: whether their schedule has them at work at `now`."""
    return technicians.annotate(on_shift=ExpressionWrapper(on_shift_q(now), output_field=BooleanField()))
