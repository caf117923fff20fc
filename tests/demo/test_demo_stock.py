"""The demo's stock: a warehouse per demo region, movements of every kind that add up, one part low."""

import pytest
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import Merchant, User
from notifications.models import Notification
from stock.models import StockLevel, StockMovement, Warehouse

pytestmark = pytest.mark.django_db


def test_the_demo_stock_is_consistent_and_shows_a_low_level(capsys):
    call_command("seed_demo")

    regions_with_merchants = set(Merchant.objects.values_list("region", flat=True))
    assert regions_with_merchants <= set(Warehouse.objects.values_list("region", flat=True))
    assert set(StockMovement.objects.values_list("kind", flat=True)) == set(StockMovement.Kind.values)
    for level in StockLevel.objects.all():
        moved = StockMovement.objects.filter(part=level.part, warehouse=level.warehouse).aggregate(n=Sum("quantity"))
        assert (moved["n"] or 0) == level.quantity, level
    used = StockMovement.objects.filter(kind="used").select_related("ticket", "warehouse")
    assert all(m.ticket.device.region_id == m.warehouse.region_id for m in used)
    (low,) = [level for level in StockLevel.objects.select_related("part") if level.is_low]
    assert low.part.sku == "PRN-P2" and low.low_notified_at is not None
    manager = User.objects.get(username="manager")
    assert Notification.objects.filter(recipient=manager, subject__contains="P2 打印胶辊").count() == 1
