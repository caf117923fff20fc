"""One e-mail for a source, once: a second call, or a concurrent one that lost the race, queues
nothing and raises nothing."""

from unittest import mock

import pytest
from django.db import transaction
from django.db.models import QuerySet

from notifications.models import Delivery
from notifications.services import email_queue_once

pytestmark = pytest.mark.django_db


def _queue(user, **overrides) -> bool:
    fields = {"recipient": user, "subject": "Hello", "body": "Body", "source": "weekly-summary:2026-11-23"}
    return email_queue_once(**(fields | overrides))


def test_it_queues_the_first_and_nothing_after(manager):
    assert _queue(manager) is True
    assert _queue(manager) is False

    delivery = Delivery.objects.get()
    assert (delivery.recipient, delivery.channel, delivery.subject) == (manager, Delivery.Channel.EMAIL, "Hello")


def test_another_source_or_recipient_is_another_email(manager, dispatcher):
    assert _queue(manager) is True
    assert _queue(manager, source="weekly-summary:2026-11-30") is True
    assert _queue(dispatcher) is True
    assert Delivery.objects.count() == 3


def test_a_secret_body_is_kept_secret(manager):
    _queue(manager, secret=True)

    assert Delivery.objects.get().secret is True


def test_it_lost_the_race_and_the_callers_transaction_carries_on(manager, dispatcher):
    _queue(manager)
    # A concurrent run queued it between this run's check and its insert.
    with transaction.atomic(), mock.patch.object(QuerySet, "exists", return_value=False):
        assert _queue(manager) is False
        assert _queue(dispatcher) is True

    assert Delivery.objects.filter(recipient=manager).count() == 1
    assert Delivery.objects.filter(recipient=dispatcher).count() == 1
