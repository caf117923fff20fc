"""Stock in the admin: levels and movements to read, thresholds set through the same rule, no
quantity changed by hand."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from stock.models import StockLevel, StockMovement
from tests.factories import SparePartFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)


def test_the_admin_reads_levels_movements_and_a_parts_stock(client, admin_user, manager, shanghai):
    from stock.services import stock_receive

    part = SparePartFactory(sku="PRN-9", stock=3)
    stock_receive(part=part, warehouse=shanghai, quantity=2, by=manager)
    level = StockLevel.objects.get(part=part)
    client.force_login(admin_user)

    for url in (
        reverse("admin:stock_stocklevel_changelist"),
        reverse("admin:stock_stocklevel_change", args=[level.pk]),
        reverse("admin:stock_stockmovement_changelist"),
        reverse("admin:stock_stockmovement_change", args=[StockMovement.objects.get().pk]),
        reverse("admin:devices_sparepart_change", args=[part.pk]),
    ):
        assert client.get(url).status_code == 200, url
    parts = client.get(reverse("admin:devices_sparepart_changelist")).content.decode()
    assert '<td class="field-stock_total">5</td>' in parts
    assert client.get(reverse("admin:stock_stocklevel_add")).status_code == 403
    assert (
        client.post(reverse("admin:stock_stockmovement_delete", args=[StockMovement.objects.get().pk])).status_code
        == 403
    )


def test_a_threshold_set_in_the_admin_tells_the_managers(client, admin_user, manager, shanghai):
    part = SparePartFactory(stock=3)
    level = StockLevel.objects.get(part=part)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:stock_stocklevel_change", args=[level.pk]), {"low_threshold": "5", "quantity": "999"}
    )

    assert response.status_code == 302
    level.refresh_from_db()
    assert (level.quantity, level.low_threshold) == (3, 5)
    assert Notification.objects.filter(recipient=manager, subject__startswith="Low stock").count() == 1
