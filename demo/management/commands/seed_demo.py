from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import DEMO_PASSWORD, seed_demo, seed_demo_api_key, seed_demo_tickets


class Command(BaseCommand):
    help = "Create the demo organisations, users, terminals and tickets (running it again changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DJANGO_ENV=production (creates an admin whose password everyone knows).",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["allow_production"]:
            # The demo's accounts, an administrator among them, all have a published password.
            raise CommandError(
                "seed_demo refuses to run with DJANGO_ENV=production: it creates accounts (an admin among them) "
                f"whose password is {DEMO_PASSWORD!r}. Pass --allow-production to seed a throw-away installation."
            )
        seeded = seed_demo()
        tickets = seed_demo_tickets(users=seeded["users"])
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({tickets} new tickets)."))
        self.stdout.write("Demo accounts (demo data only), password for all: " + DEMO_PASSWORD)
        for username, user in seeded["users"].items():
            organisation = user.merchant or user.partner or ""
            self.stdout.write(f"  {username:<11} {user.get_role_display():<12} {organisation}")
        partner = seeded["users"]["partner"].partner
        key = seed_demo_api_key(partner=partner)
        self.stdout.write(f"API key of {partner.name} (replaces the previous demo key):")
        self.stdout.write(f"  Authorization: Api-Key {key}")
