"""The one place that decides which rows a caller may see.

Every list, detail page and API view filters its queryset through `visible_to(queryset, actor)`.
A scoped model declares how its rows reach an organisation with a `scope = ScopePaths(...)` class
attribute; a model without one cannot be scoped and `visible_to` refuses it rather than leaking.

An actor is a signed-in `accounts.User` or a `PartnerPrincipal` (a partner calling with an API key).
Merchants see their own merchant's rows, partners the rows of the merchants they brought,
technicians the rows of the jobs assigned to them (a job taken off them is no longer theirs),
dispatchers, managers and admins everything.
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

STAFF_ROLE_NAMES = frozenset({"dispatcher", "manager", "admin"})
# Who runs the business on the dashboard's figures; dispatchers work from the console instead.
MANAGER_ROLE_NAMES = frozenset({"manager", "admin"})


@dataclass(frozen=True)
class ScopePaths:
    """ORM lookups from a model to its owners; `None` means that role sees none of its rows.

    `assignments` is the lookup to the `technicians.Assignment` rows through which a technician
    reaches a row; `technician` a direct lookup to the technician's user (for their own records).
    """

    merchant: str | None = None
    partner: str | None = None
    technician: str | None = None
    assignments: str | None = None

    @property
    def partner_path(self) -> str | None:
        if self.partner is not None:
            return self.partner
        if self.merchant is None:
            return None
        return "partner" if self.merchant == "pk" else f"{self.merchant}__partner"


@dataclass(frozen=True)
class PartnerPrincipal:
    """The caller behind a partner's API key, shaped like a user for the scoping helper."""

    partner: object
    api_key: object = None

    role = "partner"
    merchant_id = None
    is_superuser = False
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False

    @property
    def partner_id(self):
        return self.partner.pk

    @property
    def pk(self):
        return None

    id = pk

    def __str__(self):
        return f"{self.partner} (API)"


def is_staff_actor(actor) -> bool:
    return bool(actor and actor.is_authenticated and (actor.is_superuser or actor.role in STAFF_ROLE_NAMES))


def is_manager_actor(actor) -> bool:
    return bool(actor and actor.is_authenticated and (actor.is_superuser or actor.role in MANAGER_ROLE_NAMES))


def visible_to(queryset: QuerySet, actor) -> QuerySet:
    """Restrict `queryset` to the rows `actor` may see."""
    paths = getattr(queryset.model, "scope", None)
    if not isinstance(paths, ScopePaths):
        raise ImproperlyConfigured(f"{queryset.model.__name__} declares no ScopePaths; it cannot be scoped")
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return queryset.none()
    if is_staff_actor(actor):
        return queryset
    if actor.role == "merchant":
        path, value = paths.merchant, actor.merchant_id
    elif actor.role == "partner":
        path, value = paths.partner_path, actor.partner_id
    elif actor.role == "technician":
        if paths.assignments is not None:
            # A to-many path: one filter() call so both conditions hold for the same assignment (not
            # one released and another of someone else's), and a subquery so a row reached through two
            # assignments is listed once.
            owned = queryset.model._default_manager.filter(
                **{
                    f"{paths.assignments}__technician__user": actor.pk,
                    f"{paths.assignments}__released_at__isnull": True,
                }
            ).values("pk")
            return queryset.filter(pk__in=owned)
        path, value = paths.technician, actor.pk
    else:
        return queryset.none()
    if path is None or value is None:
        return queryset.none()
    return queryset.filter(**{path: value})
