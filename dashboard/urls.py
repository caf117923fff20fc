from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tickets/", views.drill, name="tickets"),
    path("charts/<slug:name>.json", views.chart, name="chart"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export"),
    path("export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
]
