from django.db import migrations

from possystem.trigram import prefix_index


class Migration(migrations.Migration):
    """A B-tree for finding terminals by the start of the serial (the console's search)."""

    dependencies = [
        ("devices", "0006_lifecycle_loans"),
    ]

    operations = [
        prefix_index(table="devices_device", column="serial_number", name="device_serial_prefix"),
    ]
