"""Receiving, adjusting and transferring stock: every change a movement, never below zero, managers only."""

import pytest
from django.db import IntegrityError, transaction

from possystem.errors import ActionNotAllowed, InvalidInput, OutOfStock
from stock.models import StockLevel, StockMovement
from stock.services import stock_adjust, stock_receive, stock_threshold_set, stock_transfer
from tests.factories import SparePartFactory, UserFactory, merchant_user, partner_user, stock_of

pytestmark = pytest.mark.django_db


def test_it_receives_into_a_warehouse_without_a_level_yet(manager, beijing):
    part = SparePartFactory(stock=0)

    movement = stock_receive(part=part, warehouse=beijing, quantity=7, by=manager, note="Delivery 2026-118")

    assert stock_of(part, beijing) == 7
    assert (movement.kind, movement.quantity, movement.balance, movement.note, movement.by) == (
        "received", 7, 7, "Delivery 2026-118", manager,
    )  # fmt: skip


def test_an_adjustment_needs_a_reason_and_never_goes_below_zero(manager, shanghai):
    part = SparePartFactory(stock=3)

    with pytest.raises(InvalidInput) as no_reason:
        stock_adjust(part=part, warehouse=shanghai, change=-1, reason="  ", by=manager)
    with pytest.raises(OutOfStock) as too_many:
        stock_adjust(part=part, warehouse=shanghai, change=-4, reason="Stocktake", by=manager)
    movement = stock_adjust(part=part, warehouse=shanghai, change=-3, reason="Water damage in the store", by=manager)

    assert no_reason.value.field == "reason"
    assert too_many.value.field == "change"
    assert "3 there" in str(too_many.value.message)
    assert stock_of(part) == 0
    assert (movement.kind, movement.quantity, movement.balance, movement.note) == (
        "adjusted", -3, 0, "Water damage in the store",
    )  # fmt: skip


def test_a_transfer_moves_both_levels_in_one_transaction(manager, shanghai, hangzhou):
    part = SparePartFactory(stock=5)

    out, into = stock_transfer(part=part, source=shanghai, destination=hangzhou, quantity=2, by=manager)

    assert (stock_of(part, shanghai), stock_of(part, hangzhou)) == (3, 2)
    assert (out.kind, out.quantity, out.balance, out.other_warehouse) == ("transfer_out", -2, 3, hangzhou)
    assert (into.kind, into.quantity, into.balance, into.other_warehouse) == ("transfer_in", 2, 2, shanghai)


def test_a_transfer_of_more_than_the_source_holds_moves_nothing(manager, shanghai, hangzhou):
    part = SparePartFactory(stock=1)

    with pytest.raises(OutOfStock):
        stock_transfer(part=part, source=shanghai, destination=hangzhou, quantity=2, by=manager)

    assert (stock_of(part, shanghai), stock_of(part, hangzhou)) == (1, 0)
    assert not StockMovement.objects.exists()


def test_bad_quantities_and_warehouses_are_refused_with_the_field_named(manager, shanghai, hangzhou):
    part = SparePartFactory(stock=5)
    hangzhou.active = False
    hangzhou.save(update_fields=["active"])

    refusals = []
    for call in (
        lambda: stock_receive(part=part, warehouse=shanghai, quantity=0, by=manager),
        lambda: stock_receive(part=part, warehouse=hangzhou, quantity=1, by=manager),
        lambda: stock_transfer(part=part, source=shanghai, destination=shanghai, quantity=1, by=manager),
        lambda: stock_adjust(part=part, warehouse=shanghai, change=0, reason="x", by=manager),
        lambda: stock_threshold_set(part=part, warehouse=shanghai, threshold=-1, by=manager),
    ):
        with pytest.raises(InvalidInput) as refused:
            call()
        refusals.append(refused.value.field)

    assert refusals == ["quantity", "warehouse", "destination", "change", "threshold"]
    assert stock_of(part) == 5


OUTSIDERS = {
    "dispatcher": lambda: UserFactory(role="dispatcher"),
    "technician": lambda: UserFactory(role="technician"),
    "merchant": merchant_user,
    "partner": partner_user,
}


@pytest.mark.parametrize("role", list(OUTSIDERS))
def test_only_managers_and_admins_keep_stock(role, shanghai):
    part = SparePartFactory(stock=5)
    outsider = OUTSIDERS[role]()

    with pytest.raises(ActionNotAllowed):
        stock_receive(part=part, warehouse=shanghai, quantity=1, by=outsider)
    with pytest.raises(ActionNotAllowed):
        stock_adjust(part=part, warehouse=shanghai, change=-1, reason="x", by=outsider)
    stock_receive(part=part, warehouse=shanghai, quantity=1, by=UserFactory(role="admin"))

    assert stock_of(part) == 6


def test_the_database_refuses_a_negative_level_whatever_the_code(shanghai):
    level = StockLevel.objects.get(part=SparePartFactory(stock=1), warehouse=shanghai)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(quantity=-1)
