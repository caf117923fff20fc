from rest_framework import serializers

from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookSubscription


class SubscriptionOut(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=Event.choices))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "description", "active", "created_at"]


class SubscriptionCreatedOut(SubscriptionOut):
    secret = serializers.CharField(help_text="Shown this once: verify X-Signature with it.")

    class Meta(SubscriptionOut.Meta):
        fields = [*SubscriptionOut.Meta.fields, "secret"]


class SubscriptionIn(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=Event.choices), min_length=1, max_length=10)
    description = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class AttemptOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "status_code", "error", "duration_ms"]


class DeliveryOut(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket_number")
    attempts = AttemptOut(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "ticket",
            "status",
            "attempt_count",
            "created_at",
            "next_attempt_at",
            "delivered_at",
            "last_status_code",
            "last_error",
            "attempts",
            "payload",
        ]


class DeliveryFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices, required=False)
