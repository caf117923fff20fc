from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.scoping import visible_to
from api.pagination import cursor_page
from api.views import ApiView
from webhooks import services
from webhooks.api.serializers import (
    DeliveryFilter,
    DeliveryOut,
    SubscriptionCreatedOut,
    SubscriptionIn,
    SubscriptionOut,
)
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

TAGS = ["webhooks"]


def subscription_or_404(actor, id: int) -> WebhookSubscription:
    subscription = visible_to(WebhookSubscription.objects.all(), actor).filter(pk=id).first()
    if subscription is None:
        raise NotFound()
    return subscription


class SubscriptionListCreate(ApiView):
    pagination_class = cursor_page("pk")

    @extend_schema(operation_id="webhooks_list", responses=SubscriptionOut(many=True), tags=TAGS)
    def get(self, request):
        return self.paginate(visible_to(WebhookSubscription.objects.all(), request.user), SubscriptionOut)

    @extend_schema(
        operation_id="webhooks_create",
        request=SubscriptionIn,
        responses={201: SubscriptionCreatedOut},
        tags=TAGS,
        description="Subscribe a URL to ticket events. Each delivery is a POST of JSON with `X-Event-Id`, "
        "`X-Event-Type`, `X-Timestamp` and `X-Signature: sha256=<HMAC-SHA256 of the body with the secret>`; "
        "answer 2xx within 10 seconds. Failed deliveries are retried with exponential back-off for 24 hours.",
        examples=[
            OpenApiExample(
                "Status changes",
                value={
                    "url": "https://partner.example/hooks/pos",
                    "events": ["ticket.created", "ticket.status_changed"],
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = self.parse(SubscriptionIn, request.data)
        subscription = services.webhook_subscribe(by=request.user, request=request, **data)
        return Response(SubscriptionCreatedOut(subscription).data, status=status.HTTP_201_CREATED)


class SubscriptionDetail(ApiView):
    @extend_schema(operation_id="webhooks_retrieve", responses=SubscriptionOut, tags=TAGS)
    def get(self, request, id: int):
        return Response(SubscriptionOut(subscription_or_404(request.user, id)).data)

    @extend_schema(operation_id="webhooks_destroy", responses={204: None}, tags=TAGS)
    def delete(self, request, id: int):
        services.webhook_unsubscribe(
            by=request.user, subscription=subscription_or_404(request.user, id), request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubscriptionDeliveries(ApiView):
    pagination_class = cursor_page("-pk")

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        parameters=[DeliveryFilter],
        responses=DeliveryOut(many=True),
        tags=TAGS,
        description="Deliveries to this subscription, newest first, each with every try and its outcome.",
    )
    def get(self, request, id: int):
        subscription = subscription_or_404(request.user, id)
        filters = self.parse(DeliveryFilter, request.query_params)
        deliveries = WebhookDelivery.objects.filter(subscription=subscription).prefetch_related(
            Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("attempted_at", "pk"))
        )
        if "status" in filters:
            deliveries = deliveries.filter(status=filters["status"])
        return self.paginate(deliveries, DeliveryOut)
