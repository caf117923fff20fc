from django.db import migrations

from tickets.facts import ticket_facts_fill, ticket_minutes_fill


def facts_fill(apps, schema_editor):
    """The dashboard's facts for the tickets filed before the services stored them (tickets.facts).
    A migration of its own: PostgreSQL cannot add the new columns' indexes after their rows were
    updated in the same transaction."""
    ticket_facts_fill(apps)
    ticket_minutes_fill(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0014_ticket_working_minutes"),
        ("sla", "0004_scannerheartbeat"),
        ("technicians", "0004_assignment_completed"),
    ]

    operations = [
        migrations.RunPython(facts_fill, migrations.RunPython.noop),
    ]
