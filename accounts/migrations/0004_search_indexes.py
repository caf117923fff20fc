from django.db import migrations

from possystem.trigram import trigram_index


class Migration(migrations.Migration):
    """A trigram index for finding merchants by any part of their name (the console's search)."""

    dependencies = [
        ("accounts", "0003_coordinates"),
    ]

    operations = [
        trigram_index(table="accounts_merchant", column="name", name="merchant_name_trgm"),
    ]
