"""Rows written as columns (possystem.bulk): the same rows `bulk_create` writes, ids in order."""

import pytest
from django.utils import timezone

from notifications.models import Delivery
from possystem.bulk import rows_insert
from tests.factories import UserFactory
from tests.helpers import at
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def test_it_returns_the_ids_in_the_order_of_the_rows_and_fills_the_defaults():
    users = [UserFactory(), UserFactory()]
    now = at(2026, 11, 27, 9)
    ids = rows_insert(
        Delivery,
        {
            "channel": ["email", "in_app"],
            "recipient_id": [user.pk for user in users],
            "subject": ["first", "second"],
            "source": ["test:1", "test:2"],
            "created_at": [now, now],
            "available_at": [now, now],
        },
    )
    rows = [Delivery.objects.get(pk=pk) for pk in ids]
    assert [(row.subject, row.recipient_id) for row in rows] == [("first", users[0].pk), ("second", users[1].pk)]
    assert all(row.attempts == 0 and row.body == "" and not row.secret and row.ticket_id is None for row in rows)
    assert rows_insert(Delivery, {"subject": []}) == []


def test_json_is_stored_as_json_and_an_unknown_field_is_refused(merchant, device, sla_policy):
    from tests.factories import file_ticket

    ticket = file_ticket(merchant, device=device)
    (pk,) = rows_insert(
        TicketEvent,
        {"ticket_id": [ticket.pk], "kind": ["comment"], "data": [{"late_seconds": 5, "told": ["a"]}],
         "created_at": [timezone.now()]},
    )  # fmt: skip
    assert TicketEvent.objects.filter(pk=pk, data__late_seconds=5, data__told=["a"]).exists()
    with pytest.raises(ValueError, match="no fields"):
        rows_insert(TicketEvent, {"ticket_id": [ticket.pk], "shoe_size": [42], "created_at": [timezone.now()]})
