import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_search_indexes"),
        ("devices", "0006_lifecycle_loans"),
        ("tickets", "0016_job_repair_history"),
    ]

    operations = [
        # Nullable and without an index: PostgreSQL adds the column without rewriting the table.
        migrations.AddField(
            model_name="ticket",
            name="region",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.region",
                verbose_name="region",
            ),
        ),
    ]
