"""Small tables read once per process (possystem.snapshot): read again after a change in any
process, and on every use while the shared cache is unreachable."""

import datetime

import pytest

from possystem import snapshot as snapshot_module
from possystem.snapshot import Snapshot

# A change is marked again after the commit (transaction.on_commit), so the tests hold a connection.
pytestmark = pytest.mark.django_db


class Loads:
    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return self.count


def test_it_loads_once_until_the_table_changes():
    loads = Loads()
    calendar = Snapshot("test-calendar", loads)
    assert [calendar.get(), calendar.get(), calendar.get()] == [1, 1, 1]
    calendar.changed()
    assert [calendar.get(), calendar.get()] == [2, 2]


def test_a_change_in_another_process_is_seen_through_the_cache():
    here, there = Loads(), Loads()
    this_process = Snapshot("test-policies", here)
    other_process = Snapshot("test-policies", there)
    this_process.get()
    other_process.get()
    other_process.changed()  # an admin saved a policy in the other process
    this_process.get()
    assert (here.count, there.count) == (2, 1)


def test_the_saved_calendar_day_and_policy_reach_the_next_reader(sla_policy):
    from sla.calendar import WorkingCalendar
    from sla.models import CalendarDay
    from sla.services import sla_policy_for

    WorkingCalendar.current()
    CalendarDay.objects.create(date="2026-12-07", is_working_day=False)
    assert not WorkingCalendar.current().is_working_day(datetime.date(2026, 12, 7))
    sla_policy.active = False
    sla_policy.save()
    assert sla_policy_for(priority="normal", merchant_tier="standard") is None


def test_while_the_cache_is_down_every_read_loads(monkeypatch):
    loads = Loads()
    subscriptions = Snapshot("test-subscriptions", loads)

    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("Redis is down")

            return fail

    monkeypatch.setattr(snapshot_module, "cache", Down())
    assert [subscriptions.get(), subscriptions.get()] == [1, 2]


def test_snapshots_read_together_cost_one_cache_read_and_still_see_a_change(monkeypatch):
    policies, calendar = Snapshot("test-together-policies", Loads()), Snapshot("test-together-calendar", Loads())
    policies.get(), calendar.get()
    reads = []
    real_cache = snapshot_module.cache

    class Counted:
        def __getattr__(self, name):
            reads.append(name)
            return getattr(real_cache, name)

    monkeypatch.setattr(snapshot_module, "cache", Counted())
    with snapshot_module.versions_read_together(policies, calendar):
        assert [policies.get(), calendar.get(), policies.get()] == [1, 1, 1]
        assert reads == ["get_many"]
        calendar.changed()  # an admin's change in this process, inside the block
        assert calendar.get() == 2
    assert [policies.get(), calendar.get()] == [1, 2]
