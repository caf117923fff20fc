from django.core.management.base import BaseCommand

from dashboard.rollups import rollups_rebuild


class Command(BaseCommand):
    help = (
        "Build the dashboard's daily roll-ups again for every day with tickets: after rows were "
        "written in bulk, or to check them against the tickets."
    )

    def handle(self, *args, **options):
        days = rollups_rebuild()
        self.stdout.write(f"Roll-ups built for {days} days.")
