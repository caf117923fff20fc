from django.urls import path

from technicians.api import views

urlpatterns = [
    path("", views.TechnicianList.as_view(), name="technician-list"),
]
