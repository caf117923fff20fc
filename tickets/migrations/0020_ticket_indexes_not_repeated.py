"""The ticket's merchant and the timeline's ticket lose their own indexes: `ticket_merchant_created`
and `ticket_event_timeline` lead with the same column and serve the same lookups, and every filing,
transition and escalation wrote both. Only the index is dropped (`possystem.schema.own_index_dropped`)."""

import django.db.models.deletion
from django.db import migrations, models

from possystem.schema import own_index_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("tickets", "0019_feedback_comment_latest"),
    ]

    operations = [
        own_index_dropped(
            model_name="ticket",
            name="merchant",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tickets",
                to="accounts.merchant",
                verbose_name="merchant",
            ),
            table="tickets_ticket",
            index="tickets_ticket_merchant_id_d1f6cf68",
        ),
        own_index_dropped(
            model_name="ticketevent",
            name="ticket",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="tickets.ticket",
                verbose_name="ticket",
            ),
            table="tickets_ticketevent",
            index="tickets_ticketevent_ticket_id_b572d14b",
        ),
    ]
