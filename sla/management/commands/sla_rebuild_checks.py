from django.core.management.base import BaseCommand

from sla.services import sla_checks_rebuild


class Command(BaseCommand):
    help = "Recompute the SLA scanner's pending checks of every running ticket (after restoring data)."

    def handle(self, *args, **options):
        count = sla_checks_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Pending SLA checks recomputed for {count} tickets."))
