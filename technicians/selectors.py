"""Reads of technicians shared by the dispatcher's pages, the API and the dashboard."""

from django.db.models import Count, QuerySet

from technicians.models import active_assignment_q


def with_open_jobs(technicians: QuerySet) -> QuerySet:
    """Technicians annotated with `open_jobs`, their assignments still under way (one query)."""
    return technicians.annotate(open_jobs=Count("assignments", filter=active_assignment_q("assignments__")))
