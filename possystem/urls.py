from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

urlpatterns = [
    path("", include("accounts.site_urls")),
    path("", include("ops.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("devices/", include("devices.urls")),
    path("tickets/", include("tickets.urls")),
    path("sla/", include("sla.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("dashboard/exports/", include("dashboard.export_urls")),
    path("stock/", include("stock.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]

# Lazy: each admin page shows them in its reader's language.
admin.site.site_header = _("POS After-Sales Service")
admin.site.site_title = _("POS After-Sales Service")
admin.site.index_title = _("Administration")
