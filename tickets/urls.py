from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("<str:number>/", views.ticket_detail, name="detail"),
]
