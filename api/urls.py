"""/api/: the OpenAPI schema, its interactive docs, and version 1 of the partner API."""

from django.urls import include, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.converters import CodeConverter
from api.problems import not_found

register_converter(CodeConverter, "code")

app_name = "api"

v1 = [
    path("merchants/", include("accounts.api.urls")),
    path("devices/", include("devices.api.urls")),
    path("tickets/", include("tickets.api.urls")),
    path("technicians/", include("technicians.api.urls")),
    path("webhooks/", include("webhooks.api.urls")),
    path("sla/", include("dashboard.api.urls")),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own: the CSP allows no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("v1/", include(v1)),
    re_path(r"^", not_found),
]
