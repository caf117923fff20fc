"""Falling to the low-stock threshold tells the managers once, in the app and by e-mail, and again only
after the level has been above the threshold."""

import pytest

from notifications.models import Delivery, Notification
from stock.services import stock_adjust, stock_receive, stock_threshold_set, stock_transfer
from tests.factories import SparePartFactory, UserFactory

pytestmark = pytest.mark.django_db


def low_notices(user):
    return list(Notification.objects.filter(recipient=user, subject__startswith="Low stock").order_by("pk"))


def test_crossing_the_threshold_tells_the_managers_once(manager, dispatcher, shanghai):
    other_manager = UserFactory(role="manager", email="")
    part = SparePartFactory(name="A920 printer module", sku="PRN-A920", stock=6)
    stock_threshold_set(part=part, warehouse=shanghai, threshold=3, by=manager)
    assert low_notices(manager) == []

    stock_adjust(part=part, warehouse=shanghai, change=-2, reason="Damaged", by=manager)  # 4: above
    assert low_notices(manager) == []
    stock_adjust(part=part, warehouse=shanghai, change=-1, reason="Damaged", by=manager)  # 3: at the threshold
    stock_adjust(part=part, warehouse=shanghai, change=-2, reason="Lost", by=manager)  # 1: still low

    (notice,) = low_notices(manager)
    assert notice.subject == "Low stock: A920 printer module at 上海总仓"
    assert notice.body == "上海总仓 holds 3 of PRN-A920 A920 printer module; the threshold is 3."
    assert notice.link == f"/stock/?warehouse={shanghai.pk}&low=1"
    assert len(low_notices(other_manager)) == 1
    assert low_notices(dispatcher) == []
    # The usual outbox carries the e-mail copy to managers with an address.
    assert Delivery.objects.filter(channel="email", recipient=manager, subject=notice.subject).count() == 1
    assert not Delivery.objects.filter(channel="email", recipient=other_manager).exists()


def test_it_tells_again_only_after_the_level_was_back_above(manager, shanghai, hangzhou):
    part = SparePartFactory(stock=5)
    stock_threshold_set(part=part, warehouse=shanghai, threshold=2, by=manager)

    stock_adjust(part=part, warehouse=shanghai, change=-3, reason="Stocktake", by=manager)  # 2: low, told
    stock_receive(part=part, warehouse=shanghai, quantity=1, by=manager)  # 3: above, re-armed
    stock_transfer(part=part, source=shanghai, destination=hangzhou, quantity=1, by=manager)  # 2: low, told
    stock_adjust(part=part, warehouse=shanghai, change=-1, reason="Stocktake", by=manager)  # 1: still low

    assert len(low_notices(manager)) == 2


def test_a_threshold_of_zero_tells_no_one_even_when_empty(manager, shanghai):
    part = SparePartFactory(stock=1)

    stock_adjust(part=part, warehouse=shanghai, change=-1, reason="Lost", by=manager)

    assert low_notices(manager) == []


def test_raising_a_threshold_above_the_level_tells_at_once(manager, shanghai):
    part = SparePartFactory(stock=2)

    stock_threshold_set(part=part, warehouse=shanghai, threshold=4, by=manager)
    stock_threshold_set(part=part, warehouse=shanghai, threshold=5, by=manager)

    assert len(low_notices(manager)) == 1
