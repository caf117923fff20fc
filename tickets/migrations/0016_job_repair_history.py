from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0015_ticket_facts_fill"),
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
