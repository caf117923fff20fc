from django.core.management.base import BaseCommand

from dashboard.rollups import rollups_rebuild, rollups_refresh


class Command(BaseCommand):
    help = (
        "Build the dashboard's daily roll-ups of the days writes have marked stale (what the beat does "
        "every 30 seconds), or with --all of every day: after rows were written in bulk, or to check them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="build every day again, not only the stale ones")

    def handle(self, *args, **options):
        days = rollups_rebuild() if options["all"] else rollups_refresh()
        self.stdout.write(f"Roll-ups built for {days} days.")
