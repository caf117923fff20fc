"""The audit log: one function writes it, and receivers of the sign-in signals call it.

Entries are written in the caller's transaction when there is one (an API key and its audit entry
commit together), and on their own otherwise. They never block what they record: a sign-in whose
entry cannot be written still signs in (the failure is logged).
"""

import ipaddress
import logging

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import DatabaseError, transaction
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import AuditEntry
from possystem.client import client_ip

logger = logging.getLogger(__name__)
Action = AuditEntry.Action


def _address(request) -> str | None:
    if request is None:
        return None
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def audit_record(*, action: str, request=None, actor=None, actor_name: str = "", partner=None, target: str = ""):
    """Write one audit entry. `actor` is a user or a partner's API principal (its partner is kept);
    `actor_name` names who it was when there is no user (a name typed into the sign-in form)."""
    user = actor if getattr(actor, "pk", None) is not None else None
    if partner is None:
        partner = getattr(actor, "partner", None) if actor is not None and user is None else None
    name = actor_name or (getattr(user, "username", "") if user else (str(actor) if actor is not None else ""))
    try:
        with transaction.atomic():
            return AuditEntry.objects.create(
                at=timezone.now(),
                action=action,
                actor=user,
                actor_name=name.replace("\x00", "")[:150],
                partner=partner,
                ip_address=_address(request),
                target=target.replace("\x00", "")[:500],
            )
    except DatabaseError:
        logger.exception("Could not write the audit entry %s for %s", action, name)
        return None


@receiver(user_logged_in, dispatch_uid="accounts.audit.logged_in")
def _logged_in(sender, request, user, **kwargs):
    audit_record(action=Action.LOGIN, request=request, actor=user)


@receiver(user_login_failed, dispatch_uid="accounts.audit.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_record(action=Action.LOGIN_FAILED, request=request, actor_name=str(credentials.get("username") or ""))


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    audit_record(action=Action.LOCKED_OUT, request=request, actor_name=str(username or ""))


def connect_axes() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="accounts.audit.locked_out")
