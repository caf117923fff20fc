"""Today's single stock figure of each spare part becomes its level in a default warehouse, each with
an adjustment that says where it came from; `devices.0004` then drops the column."""

from django.db import migrations

# Written once into the data, so in both of the product's languages.
OPENING_NOTE = "期初结存（分仓管理前的库存数） Opening balance: the stock figure before stock was kept per warehouse"


def forwards(apps, schema_editor):
    SparePart = apps.get_model("devices", "SparePart")
    Region = apps.get_model("accounts", "Region")
    Warehouse = apps.get_model("stock", "Warehouse")
    StockLevel = apps.get_model("stock", "StockLevel")
    StockMovement = apps.get_model("stock", "StockMovement")
    stocked = list(SparePart.objects.filter(stock__gt=0).order_by("pk"))
    if not stocked:
        return
    warehouse = Warehouse.objects.filter(active=True).order_by("code").first()
    if warehouse is None:
        region = Region.objects.order_by("code").first() or Region.objects.create(
            code="head-office", name="总部", name_en="Head office"
        )
        warehouse = Warehouse.objects.create(code=f"{region.code}-main", name=f"{region.name}总仓", region=region)
    for part in stocked:
        StockLevel.objects.create(part=part, warehouse=warehouse, quantity=part.stock)
        StockMovement.objects.create(
            part=part,
            warehouse=warehouse,
            kind="adjusted",
            quantity=part.stock,
            balance=part.stock,
            note=OPENING_NOTE,
        )


def backwards(apps, schema_editor):
    SparePart = apps.get_model("devices", "SparePart")
    StockLevel = apps.get_model("stock", "StockLevel")
    for part in SparePart.objects.all():
        total = sum(StockLevel.objects.filter(part=part).values_list("quantity", flat=True))
        SparePart.objects.filter(pk=part.pk).update(stock=total)


class Migration(migrations.Migration):
    dependencies = [
        ("stock", "0002_stock_levels_and_movements"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
