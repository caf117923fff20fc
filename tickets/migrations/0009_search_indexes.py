from django.db import migrations

from possystem.trigram import trigram_index


class Migration(migrations.Migration):
    """Trigram indexes for the console's search by ticket number and contact phone (PostgreSQL)."""

    dependencies = [
        ("tickets", "0008_event_kinds"),
    ]

    operations = [
        trigram_index(table="tickets_ticket", column="number", name="ticket_number_trgm"),
        trigram_index(table="tickets_ticket", column="contact_phone", name="ticket_phone_trgm"),
    ]
