from django.db import migrations, models

from tickets.regions import ticket_region_fill


def region_fill(apps, schema_editor):
    ticket_region_fill(apps)


class Migration(migrations.Migration):
    # Each batch of the fill commits on its own (a million rows are not one transaction's worth of
    # locks and dead rows), and the index is built after the rows are written, not row by row.
    atomic = False

    dependencies = [
        ("tickets", "0017_ticket_region"),
    ]

    operations = [
        migrations.RunPython(region_fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ("new", "acknowledged", "dispatched", "on_site", "waiting_merchant"))
                ),
                fields=["region", "next_due", "created_at", "id"],
                name="ticket_console_region",
            ),
        ),
    ]
