"""Moving to stock per warehouse keeps every part's figure: it becomes the part's level in a default
warehouse, with an adjustment saying where it came from."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("devices", "0003_coordinates"), ("stock", "0002_stock_levels_and_movements")]
AFTER = [("devices", "0004_spare_part_stock_per_warehouse"), ("stock", "0003_spare_part_stock_to_warehouse")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_single_stock_figures_become_levels_in_a_default_warehouse():
    old = migrate(BEFORE)
    try:
        SparePart = old.get_model("devices", "SparePart")
        stocked = SparePart.objects.create(sku="PRN-1", name="Printer", stock=7, unit_cost="160.00")
        SparePart.objects.create(sku="ANT-1", name="Antenna", stock=0, unit_cost="45.00")

        new = migrate(AFTER)

        StockLevel = new.get_model("stock", "StockLevel")
        StockMovement = new.get_model("stock", "StockMovement")
        (level,) = StockLevel.objects.select_related("warehouse__region")
        assert (level.part_id, level.quantity) == (stocked.pk, 7)
        assert (level.warehouse.code, level.warehouse.region.code) == ("head-office-main", "head-office")
        (movement,) = StockMovement.objects.all()
        assert (movement.kind, movement.quantity, movement.balance) == ("adjusted", 7, 7)
        assert movement.note.startswith("期初结存") and "Opening balance" in movement.note
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
