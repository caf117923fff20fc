"""Operators' addresses at the site's root, beside /healthz (accounts.site_urls)."""

from django.urls import path

from ops import views

urlpatterns = [
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]
