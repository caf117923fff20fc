from django.urls import path

from accounts.api import views

urlpatterns = [
    path("", views.MerchantListCreate.as_view(), name="merchant-list"),
    path("<int:id>/", views.MerchantDetail.as_view(), name="merchant-detail"),
]
