from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0012_event_kinds_loans"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ("resolved", "closed"))),
                fields=["device", "-resolved_at", "-id"],
                name="ticket_device_history",
            ),
        ),
    ]
