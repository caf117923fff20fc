from django.urls import path

from devices import views

app_name = "devices"

urlpatterns = [
    path("", views.device_list, name="list"),
    path("<str:serial_number>/", views.device_detail, name="detail"),
]
