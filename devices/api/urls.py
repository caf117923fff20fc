from django.urls import path

from devices.api import views

urlpatterns = [
    path("", views.DeviceListCreate.as_view(), name="device-list"),
    path("<code:serial_number>/", views.DeviceDetail.as_view(), name="device-detail"),
    path("<code:serial_number>/warranty/", views.DeviceWarranty.as_view(), name="device-warranty"),
]
