"""A technician's open jobs: the assignments still under way, counted the same way everywhere (the
dispatcher's choice of technician, the API's technician list, the dashboard's workload)."""

import pytest
from django.utils import timezone

from technicians.models import Assignment, Technician
from technicians.selectors import with_open_jobs
from tests import factories
from tickets import services

pytestmark = pytest.mark.django_db


def test_it_counts_only_assignments_neither_released_nor_completed(merchant, dispatcher, technician, sla_policy):
    other = factories.TechnicianFactory(user__username="tech-li")
    kept, released, completed = (factories.file_ticket(merchant) for _ in range(3))
    for ticket in (kept, released, completed):
        services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    services.ticket_assign(ticket=released, technician=other, by=dispatcher)  # taken off `technician`
    Assignment.objects.filter(ticket=completed).update(completed_at=timezone.now())

    counted = {t.pk: t.open_jobs for t in with_open_jobs(Technician.objects.all())}

    assert counted == {technician.pk: 1, other.pk: 1}
    assert list(Assignment.objects.active().filter(technician=technician).values_list("ticket", flat=True)) == [kept.pk]


def test_a_technician_without_jobs_counts_zero_in_one_query(django_assert_num_queries, technician):
    factories.TechnicianFactory(user__username="tech-li")
    with django_assert_num_queries(1):
        assert [t.open_jobs for t in with_open_jobs(Technician.objects.order_by("pk"))] == [0, 0]
