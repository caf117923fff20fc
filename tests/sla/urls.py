"""The project's URLs plus the SLA API where the API's configuration mounts it (/api/v1/sla/)."""

from django.urls import include, path

from possystem.urls import urlpatterns as project

urlpatterns = [*project, path("api/v1/sla/", include("dashboard.api.urls"))]
