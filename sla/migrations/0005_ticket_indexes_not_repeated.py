"""The pending checks' and the escalations' ticket lose their own indexes: their unique constraints
lead with the ticket and serve the same lookups. Only the index is dropped
(`possystem.schema.own_index_dropped`)."""

import django.db.models.deletion
from django.db import migrations, models

from possystem.schema import own_index_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0004_scannerheartbeat"),
        ("tickets", "0019_feedback_comment_latest"),
    ]

    operations = [
        own_index_dropped(
            model_name="escalation",
            name="ticket",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="escalations",
                to="tickets.ticket",
                verbose_name="ticket",
            ),
            table="sla_escalation",
            index="sla_escalation_ticket_id_3b97ddce",
        ),
        own_index_dropped(
            model_name="slacheck",
            name="ticket",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="sla_checks",
                to="tickets.ticket",
                verbose_name="ticket",
            ),
            table="sla_slacheck",
            index="sla_slacheck_ticket_id_bff401c0",
        ),
    ]
