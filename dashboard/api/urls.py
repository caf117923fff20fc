from django.urls import path

from dashboard.api import views

# Mounted at /api/v1/sla/ by the API's URL configuration (the address partners already call).
urlpatterns = [
    path("summary/", views.SummaryView.as_view(), name="sla-summary"),
]
