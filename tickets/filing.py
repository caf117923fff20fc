"""Filing a ticket: the merchant's request (web, phone, e-mail, chat or API) becomes a numbered
ticket with its warranty decision, its SLA deadlines, the first entry on its timeline and a notice to
the merchant, in one transaction."""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Merchant, User
from accounts.validators import mobile_checked
from devices.models import Device
from possystem.errors import ActionNotAllowed, InvalidInput
from possystem.formats import local_minute
from possystem.snapshot import versions_read_together
from sla.calendar import WorkingCalendar
from sla.deadlines import Deadlines, deadlines_compute, next_due_of
from sla.services import sla_policy_for, sla_snapshots, ticket_sla_changed
from tickets.events import actor_user, ticket_event_record
from tickets.facts import filing_repeats_sql
from tickets.models import Channel, Kind, Priority, Status, Ticket, TicketEvent, TicketSequence
from tickets.notices import merchant_notify
from tickets.permissions import may_file_for
from tickets.photos import photos_attach, photos_checked
from tickets.regions import region_id_of
from warranty.services import WarrantyDecision, decide, warranty_decide
from webhooks.services import subscriptions_snapshot

KINDS_WITHOUT_DEVICE = frozenset({Kind.CONSULTATION, Kind.TRAINING})


def ticket_number_next(*, day: datetime.date, along: tuple[str, list] | None = None) -> str:
    """The next human-readable number for `day`, e.g. RT-20261126-0042.

    An upsert on the day's counter row: concurrent filings queue on that row's lock and each gets
    its own number. The lock is held until the caller's transaction ends; a rolled-back filing
    leaves a gap, never a duplicate.

    `along` is an UPDATE (SQL, parameters) of the same transaction that needs nothing from this one:
    PostgreSQL runs it in the same statement, as a data-modifying WITH, which saves filing a round
    trip; other databases (SQLite, the quick start) run it first on its own.
    """
    table = TicketSequence._meta.db_table
    upsert = (
        f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
        f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )
    with connection.cursor() as cursor:
        if along is None:
            cursor.execute(upsert, [day])
        elif connection.vendor == "postgresql":
            cursor.execute(f"WITH along AS ({along[0]}) {upsert}", [*along[1], day])
        else:
            cursor.execute(*along)
            cursor.execute(upsert, [day])
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
    first one made, with `created=False`. The unique constraint on (merchant, submission_key) finds
    the repeat: a first submission costs no lookup, a repeat one indexed query after its INSERT is
    refused (the page looks the key up itself before it validates the form).
    """
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
        # The policies, the calendar and the webhook subscriptions are checked in one cache read.
        with versions_read_together(*sla_snapshots(), subscriptions_snapshot()), transaction.atomic():
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
            photos_attach(ticket, cleaned["photos"], by=by, now=now)
    except IntegrityError:
        # The key was used before (a repeat, or two submissions racing): the first ticket stands.
        if submission_key:
            existing = Ticket.objects.filter(merchant=merchant, submission_key=submission_key).first()
            if existing is not None:
                return Filed(ticket=existing, created=False)
        raise
    return Filed(ticket=ticket, created=True)


def _clean_filing(
    *, merchant, device, kind, fault_category, description, contact_name, contact_phone, priority, channel, photos, by
):
    if not may_file_for(by, merchant):
        raise ActionNotAllowed(_("You cannot file tickets for this merchant."))
    errors: dict[str, list[str]] = {}
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
    phone = mobile_checked(contact_phone, errors)
    checked_photos = photos_checked(photos, errors)
    if errors:
        raise InvalidInput(errors)
    return {"contact_phone": phone, "photos": checked_photos}


def _ticket_create(*, merchant, device, kind, fault_category, by, submission_key, now, **fields) -> Ticket:
    filed_on = timezone.localdate(now)
    decision = (
        warranty_decide(
            device=device, on=filed_on, fault_category=fault_category, consultation=kind == Kind.CONSULTATION
        )
        if device is not None
        else warranty_decide_without_device(kind=kind)
    )
    policy = sla_policy_for(priority=fields["priority"], merchant_tier=merchant.tier)
    # One calendar for the deadlines and the SLA checks: its version is read from the cache once.
    calendar = WorkingCalendar.current() if policy is not None else None
    deadlines = (
        deadlines_compute(policy=policy, start=now, kind=kind, fault_category=fault_category, calendar=calendar)
        if policy is not None
        else Deadlines(None, None, None)
    )
    ticket = Ticket(
        # The terminal's earlier repairs this one repeats (tickets.facts), in the number's statement.
        number=ticket_number_next(
            day=filed_on, along=filing_repeats_sql(device_id=device.pk if device else None, kind=kind, now=now)
        ),
        merchant=merchant,
        device=device,
        kind=kind,
        fault_category=fault_category,
        warranty_covered=decision.covered,
        warranty_reason=decision.reason_code,
        warranty_date=decision.date,
        warranty=decision.warranty,
        sla_policy=policy,
        region_id=region_id_of(device=device, merchant=merchant),
        created_at=now,
        created_by=actor_user(by),
        filed_by_partner=by.partner if by is not None and by.role == User.Role.PARTNER else None,
        submission_key=submission_key,
        **deadlines.as_fields(),
        **fields,
    )
    ticket.next_due = next_due_of(ticket)
    ticket.save(force_insert=True)
    ticket_event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.CREATED,
        by=by,
        now=now,
        to_status=Status.NEW,
        data={"channel": ticket.channel, "warranty_covered": decision.covered, "warranty_reason": decision.reason_code},
    )
    ticket_sla_changed(ticket=ticket, now=now, filed=True, calendar=calendar)

    def compose():
        return (
            _("We received your request %(number)s") % {"number": ticket.number},
            _("%(warranty)s We will respond by %(respond_by)s.")
            % {"warranty": ticket.warranty_reason_text, "respond_by": local_minute(ticket.respond_by)},
        )

    merchant_notify(ticket=ticket, compose=compose)
    return ticket


def warranty_decide_without_device(*, kind: str) -> WarrantyDecision:
    """Consultations and training need no terminal: consultation is free; training has no warranty
    to decide on."""
    return decide([], on=timezone.localdate(), consultation=kind == Kind.CONSULTATION)
