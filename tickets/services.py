"""Every write to a ticket, and every status transition, lives here.

Pages, API views, admin actions and Celery tasks call these functions; none of them set `status`
themselves. Each transition is: guard (role, then status) → conditional UPDATE whose WHERE repeats
the status read (0 rows means someone else moved the ticket: `StateConflict`) → `TicketEvent` row →
SLA index kept in step → side effects (notifications) after commit.

`by` is the acting user, a `PartnerPrincipal` for a partner's API key, or None for the system.
"""

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Merchant, User
from accounts.scoping import is_staff_actor
from devices.models import Device, SparePart
from possystem.errors import ActionNotAllowed, InvalidInput, OutOfStock, StateConflict, TransitionNotAllowed
from sla import services as sla
from technicians.models import Assignment, PartUsed, RepairReport, Technician
from tickets.models import (
    OPEN_STATUSES,
    Channel,
    Feedback,
    Kind,
    Priority,
    Quote,
    Status,
    Ticket,
    TicketComment,
    TicketEvent,
    TicketPhoto,
    TicketSequence,
)
from tickets.validators import inspect_photos, normalize_mainland_mobile
from warranty.services import warranty_decide

# Sent inside the transaction right after a timeline event is written, so receivers (the webhook
# outbox) write their rows atomically with it. Receivers must not do I/O.
ticket_event_recorded = Signal()

# The legal moves of the status machine. `waiting_merchant` returns to the status it paused.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.ACKNOWLEDGED, Status.WAITING_MERCHANT, Status.CANCELLED}),
    Status.ACKNOWLEDGED: frozenset({Status.DISPATCHED, Status.RESOLVED, Status.WAITING_MERCHANT, Status.CANCELLED}),
    Status.DISPATCHED: frozenset({Status.DISPATCHED, Status.ON_SITE, Status.WAITING_MERCHANT, Status.CANCELLED}),
    Status.ON_SITE: frozenset({Status.RESOLVED, Status.WAITING_MERCHANT, Status.DISPATCHED}),
    Status.WAITING_MERCHANT: frozenset(
        {Status.NEW, Status.ACKNOWLEDGED, Status.DISPATCHED, Status.ON_SITE, Status.CANCELLED}
    ),
    Status.RESOLVED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
}

# Merchants (and partners on their behalf) may cancel until a technician is on the way.
MERCHANT_CANCELLABLE = frozenset({Status.NEW, Status.ACKNOWLEDGED})
KINDS_WITHOUT_DEVICE = frozenset({Kind.CONSULTATION, Kind.TRAINING})


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


# --- who is acting ----------------------------------------------------------------------------


def actor_user(by) -> User | None:
    return by if isinstance(by, User) else None


def actor_name(by) -> str:
    if by is None:
        return str(gettext_lazy("System"))
    if isinstance(by, User):
        return by.get_full_name() or by.username
    return str(by)


def _is_technician_of(by, ticket: Ticket) -> bool:
    return (
        isinstance(by, User)
        and by.role == User.Role.TECHNICIAN
        and Assignment.objects.filter(
            ticket=ticket, technician__user=by, released_at__isnull=True, completed_at__isnull=True
        ).exists()
    )


def _is_merchant_side(by, ticket: Ticket) -> bool:
    """The ticket's own merchant, or the partner that brought that merchant (API)."""
    if by is None:
        return False
    if by.role == User.Role.MERCHANT:
        return by.merchant_id == ticket.merchant_id
    if by.role == User.Role.PARTNER:
        return by.partner_id is not None and ticket.merchant.partner_id == by.partner_id
    return False


def _require(condition: bool, message=None) -> None:
    if not condition:
        raise ActionNotAllowed(message)


# --- the mechanics of a transition ---------------------------------------------------------------


def _record(
    ticket: Ticket,
    kind: str,
    *,
    by,
    now: datetime.datetime,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    public: bool = True,
    comment: TicketComment | None = None,
    data: dict | None = None,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor_user(by),
        actor_name=actor_name(by),
        public=public,
        comment=comment,
        message=message,
        data=data or {},
        created_at=now,
    )
    ticket_event_recorded.send(sender=TicketEvent, event=event, ticket=ticket)
    return event


def ticket_event_record(*, ticket: Ticket, kind: str, by=None, message: str = "", public: bool = True, data=None):
    """Write a timeline entry for something that happened to the ticket outside a transition (an
    escalation, say). Runs in the caller's transaction."""
    return _record(ticket, kind, by=by, now=timezone.now(), message=message, public=public, data=data)


def _move(
    ticket: Ticket,
    to_status: str,
    *,
    by,
    now: datetime.datetime,
    fields: dict | None = None,
    message: str = "",
    public: bool = True,
    data: dict | None = None,
) -> TicketEvent:
    """Move `ticket` to `to_status` if it is still in the status it was read in.

    Expects to run inside a transaction; the event and the SLA index are written in it.
    """
    from_status = ticket.status
    if not can_transition(from_status, to_status):
        raise TransitionNotAllowed(
            _("A ticket that is “%(from)s” cannot become “%(to)s”.")
            % {"from": Status(from_status).label, "to": Status(to_status).label}
        )
    fields = dict(fields or {})
    if from_status == Status.WAITING_MERCHANT and fields.get("paused_at", ticket.paused_at) is not None:
        # Only a resume or a cancellation leaves the pause, and both clear it; any other step would
        # break the paused-iff-waiting constraint, so it is refused here in words.
        raise TransitionNotAllowed(_("This ticket is waiting for the merchant; resume it first."))
    updated = Ticket.objects.filter(pk=ticket.pk, status=from_status).update(status=to_status, updated_at=now, **fields)
    if updated != 1:
        raise StateConflict()
    ticket.status = to_status
    ticket.updated_at = now
    for name, value in fields.items():
        setattr(ticket, name, value)
    event = _record(
        ticket,
        TicketEvent.Kind.STATUS_CHANGED,
        by=by,
        now=now,
        from_status=from_status,
        to_status=to_status,
        message=message,
        public=public,
        data=data,
    )
    sla.ticket_sla_changed(ticket=ticket, now=now)
    return event


def _merchant_users(ticket: Ticket):
    return User.objects.filter(merchant_id=ticket.merchant_id, role=User.Role.MERCHANT, is_active=True)


def _notify_merchant(ticket: Ticket, compose) -> None:
    from notifications.services import notify_users

    notify_users(
        recipients=_merchant_users(ticket),
        compose=compose,
        link=reverse("tickets:detail", args=[ticket.number]),
        ticket=ticket,
    )


# --- filing --------------------------------------------------------------------------------------


def ticket_number_next(*, day: datetime.date) -> str:
    """The next human-readable number for `day`, e.g. RT-20261126-0042.

    An upsert on the day's counter row: concurrent filings queue on that row's lock and each gets
    its own number. The lock is held until the caller's transaction ends; a rolled-back filing
    leaves a gap, never a duplicate.
    """
    table = TicketSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (sequence,) = cursor.fetchone()
    return f"RT-{day:%Y%m%d}-{sequence:04d}"


@dataclass(frozen=True)
class Filed:
    ticket: Ticket
    created: bool


def ticket_file(
    *,
    merchant: Merchant,
    device: Device | None,
    kind: str,
    fault_category: str,
    description: str,
    contact_name: str,
    contact_phone: str,
    priority: str = Priority.NORMAL,
    preferred_visit_at: datetime.datetime | None = None,
    channel: str = Channel.WEB,
    by=None,
    photos=(),
    submission_key: str | None = None,
) -> Filed:
    """File a ticket for `merchant`, deciding warranty and SLA deadlines on the spot.

    With a `submission_key` (a form's one-time token) a repeated submission returns the ticket the
    first one made, with `created=False`.
    """
    if submission_key:
        existing = Ticket.objects.filter(merchant=merchant, submission_key=submission_key).first()
        if existing is not None:
            return Filed(ticket=existing, created=False)

    cleaned = _clean_filing(
        merchant=merchant,
        device=device,
        kind=kind,
        fault_category=fault_category,
        description=description,
        contact_name=contact_name,
        contact_phone=contact_phone,
        priority=priority,
        channel=channel,
        photos=photos,
        by=by,
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            ticket = _ticket_create(
                merchant=merchant,
                device=device,
                kind=kind,
                fault_category=fault_category,
                description=description.strip(),
                contact_name=contact_name.strip(),
                contact_phone=cleaned["contact_phone"],
                priority=priority,
                preferred_visit_at=preferred_visit_at,
                channel=channel,
                by=by,
                submission_key=submission_key or None,
                now=now,
            )
            _photos_attach(ticket, cleaned["photos"], by=by, now=now)
    except IntegrityError:
        # Two submissions with the same key raced; the other one won and its ticket stands.
        if submission_key:
            existing = Ticket.objects.filter(merchant=merchant, submission_key=submission_key).first()
            if existing is not None:
                return Filed(ticket=existing, created=False)
        raise
    return Filed(ticket=ticket, created=True)


def _clean_filing(
    *, merchant, device, kind, fault_category, description, contact_name, contact_phone, priority, channel, photos, by
):
    errors: dict[str, list[str]] = {}
    if by is not None and not is_staff_actor(by) and not _files_for(by, merchant):
        raise ActionNotAllowed(_("You cannot file tickets for this merchant."))
    if kind not in Kind.values:
        errors["kind"] = [_("Choose a kind of service.")]
    if device is None and kind not in KINDS_WITHOUT_DEVICE:
        errors["device"] = [_("Choose the terminal that needs service.")]
    if device is not None:
        if device.merchant_id != merchant.pk:
            errors["device"] = [_("This terminal is not registered to your business.")]
        elif device.status == Device.Status.RETIRED:
            errors["device"] = [_("This terminal is retired; contact us to replace it.")]
    if kind == Kind.REPAIR and not fault_category:
        errors["fault_category"] = [_("Choose what is wrong with the terminal.")]
    if not (description or "").strip():
        errors["description"] = [_("Describe the problem in a few words.")]
    if not (contact_name or "").strip():
        errors["contact_name"] = [_("Tell us whom to contact.")]
    if priority not in Priority.values:
        errors["priority"] = [_("Choose a priority.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Choose the channel the request came in by.")]
    try:
        phone = normalize_mainland_mobile(contact_phone)
    except ValidationError as error:
        errors["contact_phone"] = list(error.messages)
        phone = contact_phone
    photo_meta = []
    try:
        photo_meta = inspect_photos(photos)
    except ValidationError as error:
        errors["photos"] = list(error.messages)
    if errors:
        raise InvalidInput(errors)
    return {"contact_phone": phone, "photos": photo_meta}


def _files_for(by, merchant: Merchant) -> bool:
    if by.role == User.Role.MERCHANT:
        return by.merchant_id == merchant.pk
    if by.role == User.Role.PARTNER:
        return by.partner_id is not None and merchant.partner_id == by.partner_id
    return False


def _ticket_create(*, merchant, device, kind, fault_category, by, submission_key, now, **fields) -> Ticket:
    filed_on = timezone.localdate(now)
    decision = (
        warranty_decide(
            device=device, on=filed_on, fault_category=fault_category, consultation=kind == Kind.CONSULTATION
        )
        if device is not None
        else warranty_decide_without_device(kind=kind)
    )
    policy = sla.sla_policy_for(priority=fields["priority"], merchant_tier=merchant.tier)
    deadlines = (
        sla.deadlines_compute(policy=policy, start=now, kind=kind, fault_category=fault_category)
        if policy is not None
        else sla.Deadlines(None, None, None)
    )
    ticket = Ticket.objects.create(
        number=ticket_number_next(day=filed_on),
        merchant=merchant,
        device=device,
        kind=kind,
        fault_category=fault_category,
        warranty_covered=decision.covered,
        warranty_reason=decision.reason_code,
        warranty_date=decision.date,
        warranty=decision.warranty,
        sla_policy=policy,
        created_at=now,
        created_by=actor_user(by),
        filed_by_partner=by.partner if by is not None and by.role == User.Role.PARTNER else None,
        submission_key=submission_key,
        **deadlines.as_fields(),
        **fields,
    )
    _record(
        ticket,
        TicketEvent.Kind.CREATED,
        by=by,
        now=now,
        to_status=Status.NEW,
        data={"channel": ticket.channel, "warranty_covered": decision.covered, "warranty_reason": decision.reason_code},
    )
    sla.ticket_sla_changed(ticket=ticket, now=now)

    def compose():
        return (
            _("We received your request %(number)s") % {"number": ticket.number},
            _("%(warranty)s We will respond by %(respond_by)s.")
            % {"warranty": ticket.warranty_reason_text, "respond_by": _local(ticket.respond_by)},
        )

    _notify_merchant(ticket, compose)
    return ticket


def warranty_decide_without_device(*, kind: str):
    from warranty.services import decide

    return decide([], on=timezone.localdate(), consultation=kind == Kind.CONSULTATION)


def _local(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _photos_attach(ticket: Ticket, photos, *, by, now, comment: TicketComment | None = None) -> list[TicketPhoto]:
    attached = []
    for upload, content_type, extension in photos:
        photo = TicketPhoto(
            ticket=ticket,
            comment=comment,
            token=secrets.token_hex(16),
            extension=extension,
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor_user(by),
            created_at=now,
        )
        photo.image.save(f"{photo.token}.{extension}", upload, save=False)
        photo.save()
        attached.append(photo)
    return attached


# --- staff and technician steps --------------------------------------------------------------------


def ticket_acknowledge(*, ticket: Ticket, by, message: str = "") -> Ticket:
    """A dispatcher takes the ticket on: the response milestone is met."""
    _require(is_staff_actor(by))
    now = timezone.now()
    with transaction.atomic():
        fields = {} if ticket.responded_at else {"responded_at": now}
        _move(ticket, Status.ACKNOWLEDGED, by=by, now=now, fields=fields, message=message)
    return ticket


def ticket_assign(
    *, ticket: Ticket, technician: Technician, by, scheduled_at: datetime.datetime | None = None, message: str = ""
) -> Assignment:
    """Send `technician` to the ticket, releasing whoever was sent before.

    A new ticket is acknowledged on the way (one transaction, two timeline entries).
    """
    _require(is_staff_actor(by))
    if not technician.user.is_active:
        raise InvalidInput(_("This technician's account is disabled."), field="technician")
    now = timezone.now()
    with transaction.atomic():
        if ticket.status == Status.NEW:
            _move(ticket, Status.ACKNOWLEDGED, by=by, now=now, fields={"responded_at": ticket.responded_at or now})
        previous = list(
            Assignment.objects.select_for_update()
            .filter(ticket=ticket, released_at__isnull=True, completed_at__isnull=True)
            .select_related("technician__user")
        )
        Assignment.objects.filter(pk__in=[a.pk for a in previous]).update(released_at=now)
        _move(
            ticket,
            Status.DISPATCHED,
            by=by,
            now=now,
            message=message,
            data={"technician": technician.user.username, "reassigned": bool(previous)},
        )
        assignment = Assignment.objects.create(
            ticket=ticket, technician=technician, assigned_by=actor_user(by), assigned_at=now, scheduled_at=scheduled_at
        )
        _record(
            ticket,
            TicketEvent.Kind.ASSIGNED,
            by=by,
            now=now,
            message=str(technician),
            data={
                "technician": technician.user.username,
                "scheduled_at": scheduled_at.isoformat() if scheduled_at else None,
                "released": [a.technician.user.username for a in previous],
            },
        )
        from notifications.services import notify_users

        notify_users(
            recipients=[technician.user],
            compose=lambda: (
                _("New job %(number)s") % {"number": ticket.number},
                _("%(merchant)s, %(address)s. On site by %(onsite_by)s.")
                % {
                    "merchant": ticket.merchant.name,
                    "address": (ticket.device.site_address if ticket.device else "") or ticket.merchant.address,
                    "onsite_by": _local(ticket.onsite_by),
                },
            ),
            link=reverse("tickets:detail", args=[ticket.number]),
            ticket=ticket,
        )
        _notify_merchant(
            ticket,
            lambda: (
                _("A technician is on the way for %(number)s") % {"number": ticket.number},
                _("%(technician)s will visit; expected %(when)s.")
                % {"technician": technician, "when": _local(scheduled_at or ticket.onsite_by)},
            ),
        )
    return assignment


def assignment_accept(*, assignment: Assignment, by) -> Assignment:
    """The technician confirms the job."""
    _require(isinstance(by, User) and assignment.technician.user_id == by.pk)
    now = timezone.now()
    with transaction.atomic():
        updated = Assignment.objects.filter(
            pk=assignment.pk, accepted_at__isnull=True, released_at__isnull=True, completed_at__isnull=True
        ).update(accepted_at=now)
        if updated != 1:
            raise StateConflict(_("This job was already accepted or is no longer yours."))
        assignment.accepted_at = now
        _record(assignment.ticket, TicketEvent.Kind.ACCEPTED, by=by, now=now, message=str(assignment.technician))
    return assignment


def ticket_check_in(*, ticket: Ticket, by) -> Ticket:
    """The technician arrived on site: the on-site milestone is met."""
    _require(is_staff_actor(by) or _is_technician_of(by, ticket))
    now = timezone.now()
    with transaction.atomic():
        fields = {} if ticket.onsite_at else {"onsite_at": now}
        _move(ticket, Status.ON_SITE, by=by, now=now, fields=fields)
        Assignment.objects.filter(
            ticket=ticket, released_at__isnull=True, completed_at__isnull=True, arrived_at__isnull=True
        ).update(arrived_at=now)
    return ticket


def ticket_resolve(
    *,
    ticket: Ticket,
    by,
    outcome: str,
    work_done: str,
    parts: list[tuple[SparePart, int]] = (),
    labour_charge: Decimal = Decimal("0"),
    replacement_serial: str = "",
) -> RepairReport:
    """Record the work and resolve the ticket: remotely from `acknowledged`, or after a visit.

    Parts come out of stock here; stock never goes below zero (conditional decrement, rows taken in
    primary-key order so two resolutions cannot deadlock). Out-of-warranty work is charged.
    """
    _require(is_staff_actor(by) or _is_technician_of(by, ticket))
    if outcome not in RepairReport.Outcome.values:
        raise InvalidInput(_("Choose the outcome."), field="outcome")
    if not (work_done or "").strip():
        raise InvalidInput(_("Describe the work done."), field="work_done")
    if labour_charge < 0:
        raise InvalidInput(_("The labour charge cannot be negative."), field="labour_charge")
    now = timezone.now()
    charged = not ticket.warranty_covered
    with transaction.atomic():
        assignment = (
            Assignment.objects.filter(ticket=ticket, released_at__isnull=True, completed_at__isnull=True)
            .select_related("technician")
            .first()
        )
        _move(ticket, Status.RESOLVED, by=by, now=now, fields={"resolved_at": now}, data={"outcome": outcome})
        report = RepairReport.objects.create(
            ticket=ticket,
            technician=assignment.technician if assignment else None,
            written_by=actor_user(by),
            outcome=outcome,
            work_done=work_done.strip(),
            labour_charge=labour_charge if charged else Decimal("0"),
            charged=charged,
            replacement_serial=replacement_serial,
        )
        parts_total = Decimal("0")
        for part, quantity in sorted(_merge_parts(parts), key=lambda item: item[0].pk):
            taken = SparePart.objects.filter(pk=part.pk, stock__gte=quantity).update(stock=F("stock") - quantity)
            if taken != 1:
                raise OutOfStock(
                    _("Not enough %(part)s in stock (%(quantity)d needed).")
                    % {"part": part.name, "quantity": quantity},
                    field="parts",
                )
            PartUsed.objects.create(report=report, spare_part=part, quantity=quantity, unit_cost=part.unit_cost)
            parts_total += part.unit_cost * quantity
        if charged and parts_total:
            report.parts_charge = parts_total
            report.save(update_fields=["parts_charge"])
        if assignment is not None:
            Assignment.objects.filter(pk=assignment.pk).update(completed_at=now)
        _notify_merchant(
            ticket,
            lambda: (
                _("%(number)s is resolved") % {"number": ticket.number},
                _("%(outcome)s: %(work)s. Please rate our service.")
                % {"outcome": report.get_outcome_display(), "work": report.work_done},
            ),
        )
    return report


def _merge_parts(parts) -> list[tuple[SparePart, int]]:
    merged: dict[int, list] = {}
    for part, quantity in parts:
        if quantity < 1:
            raise InvalidInput(_("Quantities must be 1 or more."), field="parts")
        if part.pk in merged:
            merged[part.pk][1] += quantity
        else:
            merged[part.pk] = [part, quantity]
    return [(part, quantity) for part, quantity in merged.values()]


def ticket_close(*, ticket: Ticket, by=None, message: str = "") -> Ticket:
    """Close a resolved ticket: staff, the merchant's rating, or the auto-close after some days."""
    _require(by is None or is_staff_actor(by) or _is_merchant_side(by, ticket))
    now = timezone.now()
    with transaction.atomic():
        _move(ticket, Status.CLOSED, by=by, now=now, fields={"closed_at": now}, message=message)
    return ticket


def ticket_cancel(*, ticket: Ticket, by, reason: str = "") -> Ticket:
    """Cancel an open ticket. The merchant side may cancel until a technician is dispatched."""
    if _is_merchant_side(by, ticket):
        status = ticket.paused_from_status if ticket.status == Status.WAITING_MERCHANT else ticket.status
        if status not in MERCHANT_CANCELLABLE:
            raise TransitionNotAllowed(_("A technician is already on the way; call us to cancel this visit."))
    else:
        _require(is_staff_actor(by))
    now = timezone.now()
    with transaction.atomic():
        fields = {"cancelled_at": now}
        if ticket.status == Status.WAITING_MERCHANT:
            fields.update(paused_at=None, paused_from_status="")
        _move(ticket, Status.CANCELLED, by=by, now=now, fields=fields, message=reason)
        Assignment.objects.filter(ticket=ticket, released_at__isnull=True, completed_at__isnull=True).update(
            released_at=now
        )
        Quote.objects.filter(ticket=ticket, status=Quote.Status.PENDING).update(
            status=Quote.Status.DECLINED, decided_at=now
        )
    return ticket


def ticket_pause(*, ticket: Ticket, by, reason: str) -> Ticket:
    """Wait on the merchant (a quote, missing information): the SLA clocks stop."""
    _require(is_staff_actor(by) or _is_technician_of(by, ticket))
    if not (reason or "").strip():
        raise InvalidInput(_("Say what you are waiting for."), field="reason")
    now = timezone.now()
    with transaction.atomic():
        _pause(ticket, by=by, now=now, reason=reason)
    return ticket


def _pause(ticket: Ticket, *, by, now, reason: str) -> None:
    _move(
        ticket,
        Status.WAITING_MERCHANT,
        by=by,
        now=now,
        fields={"paused_at": now, "paused_from_status": ticket.status},
        message=reason,
    )
    _record(ticket, TicketEvent.Kind.PAUSED, by=by, now=now, message=reason)


def ticket_resume(*, ticket: Ticket, by, message: str = "") -> Ticket:
    """The merchant answered: clocks run again, every unmet deadline moved by the paused time."""
    _require(by is None or is_staff_actor(by) or _is_merchant_side(by, ticket) or _is_technician_of(by, ticket))
    now = timezone.now()
    with transaction.atomic():
        _resume(ticket, by=by, now=now, message=message)
    return ticket


def _resume(ticket: Ticket, *, by, now, message: str = "") -> None:
    if ticket.status != Status.WAITING_MERCHANT:
        raise TransitionNotAllowed(_("This ticket is not waiting for the merchant."))
    before = {name: ticket_field_iso(ticket, name) for name in ("respond_by", "onsite_by", "resolve_by")}
    moved = sla.deadlines_after_pause(ticket=ticket, paused_at=ticket.paused_at, resumed_at=now)
    paused_for = now - ticket.paused_at
    _move(
        ticket,
        ticket.paused_from_status,
        by=by,
        now=now,
        fields={**moved.as_fields(), "paused_at": None, "paused_from_status": ""},
        message=message,
    )
    _record(
        ticket,
        TicketEvent.Kind.RESUMED,
        by=by,
        now=now,
        message=message,
        data={
            "paused_seconds": int(paused_for.total_seconds()),
            "before": before,
            "after": {name: ticket_field_iso(ticket, name) for name in before},
        },
    )


def ticket_field_iso(ticket: Ticket, name: str) -> str | None:
    value = getattr(ticket, name)
    return value.isoformat() if value else None


# --- quotes ----------------------------------------------------------------------------------------


def quote_send(*, ticket: Ticket, by, parts_amount: Decimal, labour_amount: Decimal, note: str = "") -> Quote:
    """Quote an out-of-warranty repair; the ticket waits on the merchant's answer."""
    _require(is_staff_actor(by) or _is_technician_of(by, ticket))
    if ticket.warranty_covered:
        raise TransitionNotAllowed(_("This repair is covered by warranty and free of charge."))
    if parts_amount < 0 or labour_amount < 0:
        raise InvalidInput(_("Amounts cannot be negative."), field="parts_amount")
    now = timezone.now()
    with transaction.atomic():
        if ticket.status != Status.WAITING_MERCHANT:
            _pause(ticket, by=by, now=now, reason=_("Waiting for the merchant to approve a quote."))
        try:
            with transaction.atomic():
                quote = Quote.objects.create(
                    ticket=ticket,
                    parts_amount=parts_amount,
                    labour_amount=labour_amount,
                    note=note,
                    created_by=actor_user(by),
                    created_at=now,
                )
        except IntegrityError as error:
            raise StateConflict(_("A quote is already waiting for the merchant's answer.")) from error
        _record(
            ticket,
            TicketEvent.Kind.QUOTE_SENT,
            by=by,
            now=now,
            message=note,
            data={"quote": quote.pk, "total": str(quote.total)},
        )
        _notify_merchant(
            ticket,
            lambda: (
                _("Quote for %(number)s: ¥%(total)s") % {"number": ticket.number, "total": quote.total},
                _("Parts ¥%(parts)s, labour ¥%(labour)s. Approve or decline it on the ticket page.")
                % {"parts": quote.parts_amount, "labour": quote.labour_amount},
            ),
        )
    return quote


def quote_decide(*, quote: Quote, by, approve: bool) -> Quote:
    """The merchant approves or declines a pending quote; the ticket's clocks run again."""
    ticket = quote.ticket
    _require(_is_merchant_side(by, ticket) or is_staff_actor(by))
    now = timezone.now()
    status = Quote.Status.APPROVED if approve else Quote.Status.DECLINED
    with transaction.atomic():
        updated = Quote.objects.filter(pk=quote.pk, status=Quote.Status.PENDING).update(status=status, decided_at=now)
        if updated != 1:
            raise StateConflict(_("This quote was already answered."))
        quote.status, quote.decided_at = status, now
        _record(
            ticket,
            TicketEvent.Kind.QUOTE_APPROVED if approve else TicketEvent.Kind.QUOTE_DECLINED,
            by=by,
            now=now,
            data={"quote": quote.pk, "total": str(quote.total)},
        )
        if ticket.status == Status.WAITING_MERCHANT:
            _resume(ticket, by=by, now=now)
    return quote


# --- conversation ----------------------------------------------------------------------------------


def ticket_comment_add(*, ticket: Ticket, by, body: str, internal: bool = False, photos=()) -> TicketComment:
    """A public reply (with photos) or, for staff and technicians, an internal note.

    The merchant's reply to a ticket waiting for information is the answer: the clocks run again.
    (A ticket waiting on a quote resumes when the quote is answered, not on a reply.)"""
    staff_side = is_staff_actor(by) or _is_technician_of(by, ticket)
    _require(staff_side or _is_merchant_side(by, ticket))
    if internal and not staff_side:
        raise ActionNotAllowed(_("Only staff can write internal notes."))
    if ticket.status in (Status.CLOSED, Status.CANCELLED):
        raise TransitionNotAllowed(_("This ticket is closed; file a new request if you need more help."))
    errors = {}
    if not (body or "").strip() and not photos:
        errors["body"] = [_("Write a message or attach a photo.")]
    photo_meta = []
    try:
        photo_meta = inspect_photos(photos)
    except ValidationError as error:
        errors["photos"] = list(error.messages)
    if errors:
        raise InvalidInput(errors)
    now = timezone.now()
    with transaction.atomic():
        comment = TicketComment.objects.create(
            ticket=ticket,
            author=actor_user(by),
            author_name=actor_name(by),
            body=body.strip(),
            internal=internal,
            created_at=now,
        )
        _photos_attach(ticket, photo_meta, by=by, now=now, comment=comment)
        _record(
            ticket,
            TicketEvent.Kind.NOTE if internal else TicketEvent.Kind.COMMENT,
            by=by,
            now=now,
            public=not internal,
            comment=comment,
            data={"photos": len(photo_meta)},
        )
        if not internal and staff_side:
            _notify_merchant(
                ticket,
                lambda: (_("New reply on %(number)s") % {"number": ticket.number}, comment.body[:500]),
            )
        if (
            not staff_side
            and ticket.status == Status.WAITING_MERCHANT
            and not Quote.objects.filter(ticket=ticket, status=Quote.Status.PENDING).exists()
        ):
            _resume(ticket, by=by, now=now)
    return comment


def ticket_update(*, ticket: Ticket, by, **changes) -> Ticket:
    """Change the details a merchant or partner may correct while the ticket is open."""
    allowed = {"description", "contact_name", "contact_phone", "preferred_visit_at"}
    _require(is_staff_actor(by) or _is_merchant_side(by, ticket))
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    if not ticket.is_open:
        raise TransitionNotAllowed(_("A closed ticket cannot be changed."))
    if "contact_phone" in changes:
        try:
            changes["contact_phone"] = normalize_mainland_mobile(changes["contact_phone"])
        except ValidationError as error:
            raise InvalidInput({"contact_phone": list(error.messages)}) from error
    for name in ("description", "contact_name"):
        if name in changes and not (changes[name] or "").strip():
            raise InvalidInput({name: [_("This field cannot be blank.")]})
    changed = {name: value for name, value in changes.items() if getattr(ticket, name) != value}
    if not changed:
        return ticket
    now = timezone.now()
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now, **changed)
        for name, value in changed.items():
            setattr(ticket, name, value)
        _record(ticket, TicketEvent.Kind.UPDATED, by=by, now=now, data={"fields": sorted(changed)})
    return ticket


def ticket_feedback_give(*, ticket: Ticket, by, rating: int, comment: str = "") -> Feedback:
    """The merchant rates a resolved ticket, once; rating closes it."""
    _require(_is_merchant_side(by, ticket) and actor_user(by) is not None, _("Only the merchant can rate the service."))
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise TransitionNotAllowed(_("You can rate the service once the ticket is resolved."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(_("Choose from 1 to 5 stars."), field="rating")
    now = timezone.now()
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                ticket=ticket, rating=rating, comment=(comment or "").strip(), given_by=actor_user(by), created_at=now
            )
            _record(ticket, TicketEvent.Kind.FEEDBACK, by=by, now=now, data={"rating": rating})
            if ticket.status == Status.RESOLVED:
                _move(ticket, Status.CLOSED, by=None, now=now, fields={"closed_at": now})
    except IntegrityError as error:
        raise StateConflict(_("You have already rated this service. Thank you!"), code="already_rated") from error
    return feedback


def tickets_close_resolved(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Close tickets resolved more than TICKET_AUTO_CLOSE_DAYS ago and never rated."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.TICKET_AUTO_CLOSE_DAYS)
    closed = 0
    for ticket in Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).order_by("resolved_at")[
        :batch
    ]:
        try:
            with transaction.atomic():
                _move(
                    ticket,
                    Status.CLOSED,
                    by=None,
                    now=now,
                    fields={"closed_at": now},
                    message=str(gettext_lazy("Closed automatically after the rating period.")),
                )
            closed += 1
        except StateConflict:
            continue  # closed by the merchant's rating meanwhile
    return closed


__all__ = [
    "OPEN_STATUSES",
    "TRANSITIONS",
    "Filed",
    "assignment_accept",
    "can_transition",
    "quote_decide",
    "quote_send",
    "ticket_acknowledge",
    "ticket_assign",
    "ticket_cancel",
    "ticket_check_in",
    "ticket_close",
    "ticket_comment_add",
    "ticket_event_record",
    "ticket_feedback_give",
    "ticket_file",
    "ticket_pause",
    "ticket_resolve",
    "ticket_resume",
    "ticket_update",
    "tickets_close_resolved",
]
