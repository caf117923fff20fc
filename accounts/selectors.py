"""Permission-scoped reads of organisations and users."""

from django.db.models import Count

from accounts.models import Merchant
from accounts.scoping import visible_to
from notifications.models import Notification


def merchant_list(*, actor):
    return visible_to(Merchant.objects.select_related("region", "partner"), actor).annotate(
        device_count=Count("devices", distinct=True)
    )


def notifications_for(*, user, limit: int = 50):
    return Notification.objects.filter(recipient=user).select_related("ticket")[:limit]


def unread_notification_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
