"""The foreign keys that lost their own index are still looked up through an index: a wider one that
leads with the same column (tickets.0020, sla.0005)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

DROPPED = [
    "tickets_ticket_merchant_id_d1f6cf68",
    "tickets_ticketevent_ticket_id_b572d14b",
    "sla_escalation_ticket_id_3b97ddce",
    "sla_slacheck_ticket_id_bff401c0",
]


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # empty tables are read whole otherwise
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_repeated_indexes_are_gone():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [DROPPED])
        assert cursor.fetchall() == []


@pytest.mark.parametrize(
    "sql, index",
    [
        ("SELECT id FROM tickets_ticket WHERE merchant_id = 1", "ticket_merchant_created"),
        ("SELECT id FROM tickets_ticketevent WHERE ticket_id = 1", "ticket_event_timeline"),
        ("SELECT id FROM sla_slacheck WHERE ticket_id = 1", "sla_check_one_per_milestone"),
        ("SELECT id FROM sla_escalation WHERE ticket_id = 1", "escalation_once_per_level"),
    ],
)
def test_a_lookup_by_the_key_reads_the_wider_index(sql, index):
    assert index in plan_of(sql)
