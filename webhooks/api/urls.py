from django.urls import path

from webhooks.api import views

urlpatterns = [
    path("", views.SubscriptionListCreate.as_view(), name="webhook-list"),
    path("<int:id>/", views.SubscriptionDetail.as_view(), name="webhook-detail"),
    path("<int:id>/deliveries/", views.SubscriptionDeliveries.as_view(), name="webhook-deliveries"),
]
