from accounts.selectors import unread_notification_count


def header(request):
    """What the page header shows on every page: the unread notification count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_notification_count(user=user)}
