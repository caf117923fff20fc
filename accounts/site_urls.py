"""The site's own addresses outside any app's prefix: the home page (which sends each role to its
start page), the liveness check, and the icon browsers ask for at /favicon.ico (the admin's pages
do not name one)."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]
