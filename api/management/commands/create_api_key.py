from django.core.management.base import BaseCommand, CommandError

from accounts.models import Partner
from api.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a partner and print it; the key is printed once, as the last line."

    def add_arguments(self, parser):
        parser.add_argument("partner", help="The partner's name, exactly as in the admin.")
        parser.add_argument("--name", default="", help="A label for the key (default: the partner's name).")

    def handle(self, *args, **options):
        partner = Partner.objects.filter(name=options["partner"]).first()
        if partner is None:
            names = ", ".join(Partner.objects.order_by("name").values_list("name", flat=True)[:20])
            raise CommandError(f"No partner is called {options['partner']!r}. Partners: {names or 'none yet'}")
        api_key, key = api_key_create(partner=partner, name=options["name"] or partner.name)
        self.stderr.write(f"Created key {api_key.prefix} for {partner.name}. Store it now: it cannot be shown again.")
        self.stdout.write(key)
