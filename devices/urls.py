from django.urls import path

from devices import (
    converters,  # noqa: F401 - registers <serial:…>
    views,
)

app_name = "devices"

urlpatterns = [
    path("", views.device_list, name="list"),
    path("<serial:serial_number>/move/", views.device_move, name="move"),
    path("<serial:serial_number>/", views.device_detail, name="detail"),
]
