from django.urls import path
from django.views.generic import RedirectView

from sla import views

app_name = "sla"

urlpatterns = [
    # The manager's dashboard moved to /dashboard/; old bookmarks follow it.
    path("", RedirectView.as_view(pattern_name="dashboard:dashboard", query_string=True, permanent=True)),
    path("export.csv", RedirectView.as_view(pattern_name="dashboard:export", query_string=True, permanent=True)),
    path("escalations/", views.escalation_list, name="escalations"),
    path("escalations/<int:pk>/acknowledge/", views.escalation_acknowledge, name="escalation_acknowledge"),
]
