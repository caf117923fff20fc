"""Who may do what with stock: one place, read by the services' guards and the pages."""

from accounts.models import User
from possystem.errors import ActionNotAllowed


def may_manage_stock(user) -> bool:
    """Managers and admins keep the stock (receive, transfer, adjust, read the stock pages)."""
    return bool(
        isinstance(user, User)
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in (User.Role.MANAGER, User.Role.ADMIN))
    )


def require_stock_manager(user) -> None:
    if not may_manage_stock(user):
        raise ActionNotAllowed()
