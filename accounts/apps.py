from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts import audit
        from accounts.models import Region
        from accounts.regions import regions_changed

        audit.connect_axes()
        # Each process keeps the regions (accounts.regions); a change reloads them.
        for signal in (post_save, post_delete):
            signal.connect(regions_changed, sender=Region, dispatch_uid="regions-changed")
