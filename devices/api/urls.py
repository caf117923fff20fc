from django.urls import path

from devices import converters  # noqa: F401 - registers <serial:…>
from devices.api import views

urlpatterns = [
    path("", views.DeviceListCreate.as_view(), name="device-list"),
    # Before the detail: the serial converter would also match "<serial>/warranty".
    path("<serial:serial_number>/warranty/", views.DeviceWarranty.as_view(), name="device-warranty"),
    path("<serial:serial_number>/movements/", views.DeviceMovements.as_view(), name="device-movements"),
    path("<serial:serial_number>/", views.DeviceDetail.as_view(), name="device-detail"),
]
