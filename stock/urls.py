from django.urls import path

from stock import views

app_name = "stock"

urlpatterns = [
    path("", views.level_list, name="levels"),
    path("levels.csv", views.level_export, name="levels_export"),
    path("terminals/", views.terminal_list, name="terminals"),
    path("movements/", views.movement_list, name="movements"),
    path("movements.csv", views.movement_export, name="movements_export"),
    path("receive/", views.receive, name="receive"),
    path("transfer/", views.transfer, name="transfer"),
    path("adjust/", views.adjust, name="adjust"),
    path("threshold/", views.threshold, name="threshold"),
]
