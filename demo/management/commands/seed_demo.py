from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, seed_demo, seed_demo_api_key, seed_demo_tickets


class Command(BaseCommand):
    help = "Create the demo organisations, users, terminals and tickets (running it again changes nothing)."

    def handle(self, *args, **options):
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
