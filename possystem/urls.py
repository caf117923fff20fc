from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.site_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("devices/", include("devices.urls")),
    path("tickets/", include("tickets.urls")),
    path("sla/", include("sla.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]

admin.site.site_header = "POS After-Sales Service"
admin.site.site_title = "POS After-Sales Service"
