"""The tables the beat empties (the stale-day marks, the open-ticket snapshots): vacuumed by the task
that empties them, so their dead rows never pile up where autovacuum is late or off; and a mark
written while a refresh runs is not lost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import DailyRollup, StaleDay
from dashboard.rollups import rollups_refresh
from dashboard.tasks import open_snapshot_task, rollups_refresh_task
from possystem.maintenance import vacuum
from tests.dashboard.conftest import make_ticket
from tests.helpers import held_in_another_transaction
from tickets.models import Kind, Status, Ticket


def pages_of(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s) / current_setting('block_size')::int", [table])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_refresh_leaves_no_dead_marks_behind():
    days = [datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 20) for n in range(20_000)]
    StaleDay.objects.bulk_create([StaleDay(day=day) for day in days])
    assert pages_of("dashboard_staleday") > 50

    assert rollups_refresh_task() == 20

    # Every mark was deleted and vacuumed away: no page is left for a reader to step through.
    assert not StaleDay.objects.exists()
    assert pages_of("dashboard_staleday") == 0


@pytest.mark.django_db(transaction=True)
def test_the_snapshot_task_vacuums_the_snapshot_it_replaced(ticket):
    open_snapshot_task()

    with CaptureQueriesContext(connection) as captured:
        open_snapshot_task()

    statements = [query["sql"] for query in captured]
    deleted = next(i for i, sql in enumerate(statements) if sql.startswith('DELETE FROM "dashboard_openticketscount"'))
    assert 'VACUUM "dashboard_openticketscount"' in statements[deleted:]


@pytest.mark.django_db
def test_nothing_is_vacuumed_inside_a_transaction():
    with CaptureQueriesContext(connection) as captured:
        assert vacuum(StaleDay) is False

    assert not any("VACUUM" in query["sql"] for query in captured)


@pytest.mark.django_db(transaction=True)
def test_marks_a_reader_consumed_are_vacuumed_by_the_next_beat():
    StaleDay.objects.bulk_create([StaleDay(day=datetime.date(2026, 1, 1)) for _ in range(20_000)])
    StaleDay.objects.all().delete()  # as a reader's refresh leaves them: deleted, not yet vacuumed

    assert rollups_refresh_task() == 0
    assert pages_of("dashboard_staleday") == 0


@pytest.mark.django_db(transaction=True)
def test_a_day_marked_while_a_refresh_runs_is_rebuilt_by_the_next_refresh(shop):
    """A write that has not committed when a refresh takes the marks keeps its mark (the refresh
    cannot see it), so the refresh after it rebuilds the day with the write: nothing is missed."""
    filed = datetime.datetime(2026, 11, 20, 2, tzinfo=datetime.UTC)
    ticket = make_ticket(shop, filed, status=Status.CLOSED, kind=Kind.REPAIR, responded_at=filed)
    rollups_refresh()

    def filed_as(kind: str) -> int:
        return sum(
            DailyRollup.objects.filter(day=datetime.date(2026, 11, 20), kind=kind).values_list("filed", flat=True)
        )

    def write():
        Ticket.objects.filter(pk=ticket.pk).update(kind=Kind.INSTALLATION)  # the trigger marks its day

    with held_in_another_transaction(write):
        assert rollups_refresh() == 0  # the mark is not committed yet: this refresh neither sees nor takes it
        assert (filed_as(Kind.REPAIR), filed_as(Kind.INSTALLATION)) == (1, 0)

    assert rollups_refresh() == 1
    assert (filed_as(Kind.REPAIR), filed_as(Kind.INSTALLATION)) == (0, 1)


@pytest.mark.django_db(transaction=True)
def test_a_vacuum_the_database_refuses_is_logged_not_raised(caplog):
    class Missing:
        class _meta:
            db_table = "no_such_table"

    assert vacuum(Missing) is False
    assert "Could not vacuum" in caplog.text
    assert StaleDay.objects.count() == 0  # the connection still serves
