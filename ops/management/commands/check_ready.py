import json

from django.core.management.base import BaseCommand, CommandError

from ops.readiness import CHECKS, readiness


class Command(BaseCommand):
    help = "Runs the readiness checks of /readyz (all, or those named) and fails when one fails."

    def add_arguments(self, parser):
        parser.add_argument("checks", nargs="*", choices=sorted(CHECKS), help="only these checks")

    def handle(self, *args, checks, **options):
        results = readiness(checks or None)
        self.stdout.write(json.dumps({check.name: check.as_dict() for check in results}, ensure_ascii=False))
        failed = [check.name for check in results if not check.ok]
        if failed:
            raise CommandError(f"not ready: {', '.join(failed)}")
