from django.urls import path

from sla.api import views

# Mounted at /api/v1/sla/ by the API's URL configuration.
urlpatterns = [
    path("summary/", views.SummaryView.as_view(), name="sla-summary"),
]
