"""The site's own addresses outside any app's prefix: the home page (which sends each role to its
start page) and the liveness check."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
]
