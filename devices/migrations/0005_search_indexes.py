from django.db import migrations

from possystem.trigram import trigram_index


class Migration(migrations.Migration):
    """A trigram index for searching terminals by any part of the serial (console, device list)."""

    dependencies = [
        ("devices", "0004_spare_part_stock_per_warehouse"),
    ]

    operations = [
        trigram_index(table="devices_device", column="serial_number", name="device_serial_trgm"),
    ]
