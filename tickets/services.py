"""Every status transition of a ticket, and every other write to a ticket after it is filed.

Pages, API views, admin actions and Celery tasks call these functions; none of them set `status`
themselves. Each transition is: guard (`tickets.permissions`: who may, and whether the ticket's
state allows it) → conditional UPDATE whose WHERE repeats the status read (0 rows means someone else
moved the ticket: `StateConflict`) → `TicketEvent` row (`tickets.events`) → SLA index kept in step →
side effects (notices) written to the outbox in the same transaction, sent after commit.

Filing lives in `tickets.filing`. `by` is the acting user, a `PartnerPrincipal` for a partner's API
key, or None for the system.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.validators import mobile_checked
from devices.models import SparePart
from possystem.errors import InvalidInput, StateConflict, TooManyAttempts
from possystem.formats import local_minute
from sla.deadlines import deadlines_after_pause, next_due_of
from sla.services import ticket_sla_changed
from stock.models import Warehouse
from stock.services import stock_take_for_ticket
from technicians.matching import concerns_text
from technicians.models import Assignment, PartUsed, RepairReport, Technician, Visit
from tickets import visits
from tickets.charges import resolution_charge
from tickets.completion import completion_checked, completion_record
from tickets.events import actor_name, actor_user, ticket_event_record
from tickets.facts import ticket_facts_changed, ticket_repeats_changed
from tickets.models import Feedback, Quote, Status, Ticket, TicketComment, TicketEvent, confirmation_code_new
from tickets.notices import merchant_notify, sentence, staff_notify, technician_notify
from tickets.permissions import Action, Facts, can_transition, party_of, require, transition_refusal
from tickets.photos import photos_attach, photos_checked
from tickets.selectors import technician_fit
from tickets.swaps import swap_checked, swap_record

# --- the mechanics of a transition ---------------------------------------------------------------


def status_move(
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

    Expects to run inside a transaction; the event and the SLA index are written in it. Leaving a
    pause is for a resume or a cancellation, which clear it in `fields`.
    """
    from_status = ticket.status
    fields = dict(fields or {})
    resuming = from_status == Status.WAITING_MERCHANT and fields.get("paused_at", ticket.paused_at) is None
    if not (resuming and can_transition(from_status, to_status)):
        refusal = transition_refusal(ticket, to_status)
        if refusal is not None:
            raise refusal
    # The console's order moves in the same UPDATE (sla.services.ticket_sla_changed then finds it true).
    fields["next_due"] = next_due_of(ticket, status=to_status, **fields)
    updated = Ticket.objects.filter(pk=ticket.pk, status=from_status).update(status=to_status, updated_at=now, **fields)
    if updated != 1:
        raise StateConflict()
    ticket.status = to_status
    ticket.updated_at = now
    for name, value in fields.items():
        setattr(ticket, name, value)
    event = ticket_event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.STATUS_CHANGED,
        by=by,
        now=now,
        from_status=from_status,
        to_status=to_status,
        message=message,
        public=public,
        data=data,
    )
    ticket_sla_changed(ticket=ticket, now=now)
    return event


# --- staff and technician steps --------------------------------------------------------------------


def ticket_acknowledge(*, ticket: Ticket, by, message: str = "") -> Ticket:
    """A dispatcher takes the ticket on: the response milestone is met."""
    require(Action.ACKNOWLEDGE, by, ticket)
    now = timezone.now()
    with transaction.atomic():
        fields = {} if ticket.responded_at else {"responded_at": now}
        status_move(ticket, Status.ACKNOWLEDGED, by=by, now=now, fields=fields, message=message)
    return ticket


def ticket_assign(
    *,
    ticket: Ticket,
    technician: Technician,
    by,
    scheduled_at: datetime.datetime | None = None,
    message: str = "",
    override_reason: str = "",
) -> Assignment:
    """Send `technician` to the ticket, releasing whoever was sent before.

    A technician off shift until after the deadline, outside the ticket's region, untrained on its
    model or at capacity is sent only with `override_reason`; the concerns and the reason go on the
    timeline. A new ticket is acknowledged on the way (one transaction, two timeline entries).
    """
    require(Action.ASSIGN, by, ticket)
    if not technician.user.is_active:
        raise InvalidInput(_("This technician's account is disabled."), field="technician")
    now = timezone.now()
    concerns = technician_fit(ticket=ticket, technician=technician, now=now).concerns
    override_reason = (override_reason or "").strip()
    if concerns and not override_reason:
        raise InvalidInput(
            _("%(technician)s is %(concerns)s. Say why you send them anyway, or choose someone else.")
            % {"technician": technician, "concerns": concerns_text(concerns)},
            field="override_reason",
            code="confirmation_needed",
        )
    with transaction.atomic():
        if ticket.status == Status.NEW:
            status_move(
                ticket, Status.ACKNOWLEDGED, by=by, now=now, fields={"responded_at": ticket.responded_at or now}
            )
        previous = list(
            Assignment.objects.active().select_for_update().filter(ticket=ticket).select_related("technician__user")
        )
        Assignment.objects.filter(pk__in=[a.pk for a in previous]).update(released_at=now)
        status_move(
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
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.ASSIGNED,
            by=by,
            now=now,
            message=str(technician),
            data={
                "technician": technician.user.username,
                "scheduled_at": scheduled_at.isoformat() if scheduled_at else None,
                "released": [a.technician.user.username for a in previous],
                # Staff read these on the timeline; merchants and partners never see event data.
                "concerns": [str(concern) for concern in concerns],
                "override_reason": override_reason if concerns else "",
            },
        )
        technician_notify(
            ticket=ticket,
            user=technician.user,
            compose=lambda: (
                _("New job %(number)s") % {"number": ticket.number},
                _("%(merchant)s, %(address)s. On site by %(onsite_by)s.")
                % {
                    "merchant": ticket.merchant.name,
                    "address": (ticket.device.site_address if ticket.device else "") or ticket.merchant.address,
                    "onsite_by": local_minute(ticket.onsite_by),
                },
            ),
        )
        merchant_notify(
            ticket=ticket,
            compose=lambda: (
                _("A technician is assigned to %(number)s") % {"number": ticket.number},
                _("%(technician)s will visit; expected %(when)s. We will tell you when they are on the way.")
                % {"technician": technician, "when": local_minute(scheduled_at or ticket.onsite_by)},
            ),
        )
    return assignment


def assignment_accept(*, assignment: Assignment, by) -> Assignment:
    """The technician confirms the job."""
    require(Action.ACCEPT, by, assignment.ticket)
    now = timezone.now()
    with transaction.atomic():
        updated = Assignment.objects.active().filter(pk=assignment.pk, accepted_at__isnull=True).update(accepted_at=now)
        if updated != 1:
            raise StateConflict(_("This job was already accepted or is no longer yours."))
        assignment.accepted_at = now
        ticket_event_record(
            ticket=assignment.ticket,
            kind=TicketEvent.Kind.ACCEPTED,
            by=by,
            now=now,
            message=str(assignment.technician),
        )
    return assignment


def assignment_decline(*, assignment: Assignment, by, reason: str) -> Ticket:
    """The technician hands the job back before reaching the site: it returns to the dispatchers'
    queue (acknowledged, nobody assigned) and they are told why."""
    ticket = assignment.ticket
    require(Action.DECLINE, by, ticket)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why you cannot take this job."), field="reason")
    now = timezone.now()
    with transaction.atomic():
        updated = Assignment.objects.active().filter(pk=assignment.pk).update(released_at=now, declined_at=now)
        if updated != 1:
            raise StateConflict(_("This job is no longer yours."))
        status_move(ticket, Status.ACKNOWLEDGED, by=by, now=now, data={"declined": assignment.technician.user.username})
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.DECLINED,
            by=by,
            now=now,
            public=False,
            message=reason,
            data={"technician": assignment.technician.user.username},
        )
        staff_notify(
            ticket=ticket,
            role=User.Role.DISPATCHER,
            compose=lambda: (
                _("%(technician)s declined %(number)s")
                % {"technician": assignment.technician, "number": ticket.number},
                _("Reason: %(reason)s. The ticket is back in the queue; assign someone else.")
                % {"reason": sentence(reason)},
            ),
        )
    return ticket


def assignment_on_the_way(*, assignment: Assignment, by) -> Assignment:
    """ "On my way": the merchant is told, with the confirmation code to read out on arrival."""
    ticket = assignment.ticket
    require(Action.ON_MY_WAY, by, ticket)
    now = timezone.now()
    with transaction.atomic():
        updated = (
            Assignment.objects.active()
            .filter(pk=assignment.pk, accepted_at__isnull=False, departed_at__isnull=True)
            .update(departed_at=now)
        )
        if updated != 1:
            raise StateConflict(_("The merchant already knows you are on the way."))
        assignment.departed_at = now
        ticket_event_record(
            ticket=ticket, kind=TicketEvent.Kind.ON_THE_WAY, by=by, now=now, message=str(assignment.technician)
        )
        code = Ticket.objects.values_list("confirmation_code", flat=True).get(pk=ticket.pk)
        merchant_notify(
            ticket=ticket,
            compose=lambda: (
                _("%(technician)s is on the way for %(number)s")
                % {"technician": assignment.technician, "number": ticket.number},
                _(
                    "When the technician arrives, read them the confirmation code %(code)s. It proves the visit; "
                    "give it to nobody else."
                )
                % {"code": code},
            ),
        )
    return assignment


def ticket_check_in(
    *,
    ticket: Ticket,
    by,
    code: str,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    accuracy_m: int | None = None,
) -> Visit:
    """The technician on the job checks in on site with the code the merchant reads out: a verified
    visit, which meets the on-site milestone. The phone's location, when given, is kept with its
    accuracy and the distance to the site; a site without coordinates learns them from it.

    A wrong code is refused and counted; `VISIT_CODE_MAX_ATTEMPTS` in a row lock check-in for the
    ticket for `VISIT_CODE_LOCKOUT_MINUTES` (tickets.visits). The code changes after each verified
    visit, so a code seen once does not prove a later one.
    """
    require(Action.CHECK_IN, by, ticket)
    location = _location_checked(latitude, longitude, accuracy_m)
    now = timezone.now()
    locked_until = visits.code_locked_until(ticket, now)
    if locked_until is not None:
        raise _locked(locked_until)
    if not (code or "").strip():
        raise InvalidInput(_("Enter the confirmation code the merchant reads out to you."), field="code")
    if not visits.code_matches(ticket, code):
        _code_wrong(ticket, by=by, now=now)
    visits.code_forget(ticket)
    with transaction.atomic():
        assignment = (
            Assignment.objects.active()
            .select_for_update(of=("self",))
            .select_related("technician")
            .filter(ticket=ticket, technician__user=by)
            .first()
        )
        if assignment is None:
            raise StateConflict(_("This job is no longer yours."))
        site = visits.site_of(ticket)
        distance = None
        if location and site.latitude is not None:
            distance = visits.distance_m(location[0], location[1], site.latitude, site.longitude)
        status_move(
            ticket,
            Status.ON_SITE,
            by=by,
            now=now,
            fields={
                "onsite_at": ticket.onsite_at or now,
                "visited_at": ticket.visited_at or now,
                "confirmation_code": confirmation_code_new(),
            },
        )
        visit = _visit_write(
            ticket,
            assignment,
            by=by,
            now=now,
            latitude=location[0] if location else None,
            longitude=location[1] if location else None,
            accuracy_m=location[2] if location else None,
            distance_m=distance,
            code_matched=True,
            verified=True,
        )
        learned = bool(location) and visits.site_learn(
            site, latitude=location[0], longitude=location[1], accuracy_m=location[2]
        )
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.VISIT,
            by=by,
            now=now,
            message=str(assignment.technician),
            data={
                "visit": visit.pk,
                "verified": True,
                "located": bool(location),
                "accuracy_m": visit.accuracy_m,
                "distance_m": distance,
                "site_located": learned,
            },
        )
    return visit


def _visit_write(ticket: Ticket, assignment: Assignment, *, by, now, **details) -> Visit:
    """The visit row, and the assignment's arrival if it is the first. In the caller's transaction."""
    Assignment.objects.filter(pk=assignment.pk, arrived_at__isnull=True).update(arrived_at=now)
    return Visit.objects.create(
        ticket=ticket,
        assignment=assignment,
        technician=assignment.technician,
        recorded_by=actor_user(by),
        at=now,
        **details,
    )


def _location_checked(latitude, longitude, accuracy_m) -> tuple[Decimal, Decimal, int | None] | None:
    """(latitude, longitude, accuracy) from the phone, or None when it gave no location."""
    if latitude in (None, "") and longitude in (None, ""):
        return None
    try:
        lat, lon = (
            Decimal(str(latitude)).quantize(Decimal("0.000001")),
            Decimal(str(longitude)).quantize(Decimal("0.000001")),
        )
        accuracy = None if accuracy_m in (None, "") else max(0, round(float(accuracy_m)))
    except (ArithmeticError, ValueError, TypeError) as error:
        raise InvalidInput(_("The location could not be read."), field="latitude") from error
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (accuracy is not None and accuracy > 10**6):
        raise InvalidInput(_("The location could not be read."), field="latitude")
    return lat, lon, accuracy


def _locked(until: datetime.datetime) -> TooManyAttempts:
    return TooManyAttempts(
        _("Too many wrong codes: check-in for this ticket is locked until %(time)s. Call the dispatcher for help.")
        % {"time": visits.local_time(until)}
    )


def _code_wrong(ticket: Ticket, *, by, now) -> None:
    """Count the wrong code and refuse it; the one that locks check-in goes on the timeline (for
    staff) and the dispatchers are told."""
    locked_until = visits.code_wrong(ticket, now)
    if locked_until is None:
        raise InvalidInput(
            _("That is not this ticket's confirmation code. Ask the merchant for the code on their request page."),
            field="code",
            code="wrong_code",
        )
    with transaction.atomic():
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.CHECK_IN_LOCKED,
            by=by,
            now=now,
            public=False,
            data={"until": locked_until.isoformat(), "attempts": settings.VISIT_CODE_MAX_ATTEMPTS},
        )
        staff_notify(
            ticket=ticket,
            role=User.Role.DISPATCHER,
            compose=lambda: (
                _("Check-in locked on %(number)s") % {"number": ticket.number},
                _("%(name)s entered %(attempts)d wrong confirmation codes; check-in is locked until %(time)s.")
                % {
                    "name": actor_name(by),
                    "attempts": settings.VISIT_CODE_MAX_ATTEMPTS,
                    "time": visits.local_time(locked_until),
                },
            ),
        )
    raise _locked(locked_until)


def ticket_visit_record(*, ticket: Ticket, by, reason: str) -> Visit:
    """Staff record a visit on the technician's behalf (no code: the merchant had none, the phone
    died): the ticket is on site, but the visit is unverified and does not meet the on-site
    milestone until a manager approves it. Managers are told."""
    require(Action.RECORD_VISIT, by, ticket)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the visit is recorded without the technician's check-in."), field="reason")
    now = timezone.now()
    with transaction.atomic():
        assignment = Assignment.objects.active().select_related("technician").filter(ticket=ticket).first()
        if assignment is None:
            raise StateConflict(_("Nobody is assigned to this ticket any more."))
        status_move(ticket, Status.ON_SITE, by=by, now=now, fields={"visited_at": ticket.visited_at or now})
        visit = _visit_write(ticket, assignment, by=by, now=now, reason=reason)
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.VISIT,
            by=by,
            now=now,
            message=str(assignment.technician),
            data={"visit": visit.pk, "verified": False, "recorded_by_staff": True, "reason": reason},
        )
        staff_notify(
            ticket=ticket,
            role=User.Role.MANAGER,
            compose=lambda: (
                _("A visit on %(number)s waits for your approval") % {"number": ticket.number},
                _("%(name)s recorded %(technician)s on site without a check-in: %(reason)s.")
                % {"name": actor_name(by), "technician": assignment.technician, "reason": sentence(reason)},
            ),
        )
    return visit


def visit_approve(*, visit: Visit, by) -> Visit:
    """A manager approves a visit recorded by staff: it is verified, and meets the on-site milestone
    at the time it was recorded if nothing met it before."""
    ticket = visit.ticket
    require(Action.APPROVE_VISIT, by, ticket, Facts(pending_visit=visit.awaiting_approval))
    now = timezone.now()
    with transaction.atomic():
        updated = Visit.objects.filter(pk=visit.pk, verified=False, rejected_at__isnull=True).update(
            verified=True, approved_by=actor_user(by), approved_at=now
        )
        if updated != 1:
            raise StateConflict(_("Someone already approved or rejected this visit."), code="already_decided")
        visit.verified, visit.approved_by, visit.approved_at = True, actor_user(by), now
        if ticket.onsite_at is None:
            Ticket.objects.filter(pk=ticket.pk, onsite_at__isnull=True).update(onsite_at=visit.at, updated_at=now)
            ticket.refresh_from_db(fields=["onsite_at", "updated_at"])
            ticket_sla_changed(ticket=ticket, now=now)
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.VISIT_APPROVED,
            by=by,
            now=now,
            message=str(visit.technician),
            data={"visit": visit.pk, "at": timezone.localtime(visit.at).isoformat()},
        )
    return visit


def visit_reject(*, visit: Visit, by, reason: str) -> Visit:
    """A manager rejects a visit recorded by staff, while the ticket is on site on its strength: the
    visit stays unverified and never meets the on-site milestone, and the ticket goes back to
    dispatched (the technician's arrival forgotten), so the technician can check in with the
    merchant's code or staff record another visit. The on-site clock never stopped; the dispatchers
    are told."""
    ticket = visit.ticket
    require(Action.REJECT_VISIT, by, ticket, Facts(pending_visit=visit.awaiting_approval))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the visit is rejected."), field="reason")
    now = timezone.now()
    with transaction.atomic():
        updated = Visit.objects.filter(pk=visit.pk, verified=False, rejected_at__isnull=True).update(
            rejected_by=actor_user(by), rejected_at=now, rejection_reason=reason
        )
        if updated != 1:
            raise StateConflict(_("Someone already approved or rejected this visit."), code="already_decided")
        visit.rejected_by, visit.rejected_at, visit.rejection_reason = actor_user(by), now, reason
        # Still standing: visits not rejected (a verified one would have met the milestone).
        standing = Visit.objects.filter(ticket=ticket, rejected_at__isnull=True).order_by("at")
        status_move(
            ticket,
            Status.DISPATCHED,
            by=by,
            now=now,
            fields={"visited_at": standing.values_list("at", flat=True).first()},
            message=_("Visit rejected"),
        )
        if not standing.filter(assignment=visit.assignment_id).exists():
            Assignment.objects.filter(pk=visit.assignment_id).update(arrived_at=None)
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.VISIT_REJECTED,
            by=by,
            now=now,
            message=str(visit.technician),
            public=False,
            data={"visit": visit.pk, "at": timezone.localtime(visit.at).isoformat(), "reason": reason},
        )
        staff_notify(
            ticket=ticket,
            role=User.Role.DISPATCHER,
            compose=lambda: (
                _("A visit on %(number)s was rejected") % {"number": ticket.number},
                _(
                    "%(name)s rejected the visit of %(technician)s recorded by staff: %(reason)s. The ticket is "
                    "back to dispatched; the technician checks in with the merchant's code."
                )
                % {"name": actor_name(by), "technician": visit.technician, "reason": sentence(reason)},
            ),
        )
    return visit


def ticket_resolve(
    *,
    ticket: Ticket,
    by,
    outcome: str,
    work_done: str,
    parts: list[tuple[SparePart, int]] = (),
    replacement_serial: str = "",
    photos=(),
    signature: str = "",
    signed_by: str = "",
    warehouse: Warehouse | None = None,
) -> RepairReport:
    """Record the work and resolve the ticket: remotely from `acknowledged`, or after a visit.

    Parts come out of `warehouse`, one the resolver draws from (`stock.services`: never below zero,
    rows taken in a fixed order so two resolutions cannot deadlock). A swap (`tickets.swaps`) deploys
    the replacement and sends the faulty terminal to the depot. Out-of-warranty work is charged its
    approved quote, and refused without one (`tickets.charges`). Photos of the work and the
    merchant's signature (a PNG data URL drawn on the screen) are kept with the report
    (`tickets.completion`).
    """
    require(Action.RESOLVE, by, ticket)
    if outcome not in RepairReport.Outcome.values:
        raise InvalidInput(_("Choose the outcome."), field="outcome")
    if not (work_done or "").strip():
        raise InvalidInput(_("Describe the work done."), field="work_done")
    errors: dict[str, list[str]] = {}
    completion = completion_checked(photos=photos, signature=signature, signed_by=signed_by, errors=errors)
    swap = swap_checked(ticket=ticket, outcome=outcome, replacement_serial=replacement_serial, errors=errors)
    if errors:
        raise InvalidInput(errors)
    charge = resolution_charge(ticket=ticket, outcome=outcome, parts=parts)
    now = timezone.now()
    with transaction.atomic():
        assignment = Assignment.objects.active().filter(ticket=ticket).select_related("technician").first()
        status_move(
            ticket,
            Status.RESOLVED,
            by=by,
            now=now,
            fields={"resolved_at": now, "restored_at": ticket.restored_at or now},
            data={"outcome": outcome},
        )
        report = RepairReport.objects.create(
            ticket=ticket,
            technician=assignment.technician if assignment else None,
            written_by=actor_user(by),
            outcome=outcome,
            work_done=work_done.strip(),
            labour_charge=charge.labour,
            parts_charge=charge.parts,
            charged=charge.charged,
            replacement_serial=swap.replacement.serial_number if swap else "",
        )
        if swap is not None:
            swap_record(swap=swap, ticket=ticket, by=by, now=now)
        merged = _merge_parts(parts)
        stock_take_for_ticket(ticket=ticket, report=report, warehouse=warehouse, parts=merged, by=by)
        for part, quantity in merged:
            PartUsed.objects.create(report=report, spare_part=part, quantity=quantity, unit_cost=part.unit_cost)
        if assignment is not None:
            Assignment.objects.filter(pk=assignment.pk).update(completed_at=now)
        completion_record(ticket=ticket, report=report, completion=completion, by=by, now=now)
        ticket_facts_changed(ticket)
        merchant_notify(
            ticket=ticket,
            compose=lambda: (
                _("%(number)s is resolved") % {"number": ticket.number},
                _("%(outcome)s: %(work)s. Please rate our service.")
                % {"outcome": report.get_outcome_display(), "work": sentence(report.work_done)},
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
    """Close a resolved ticket: staff, a partner for its merchant, or the auto-close after some days
    (the merchant's rating closes it in `ticket_feedback_give`)."""
    require(Action.CLOSE, by, ticket)
    now = timezone.now()
    with transaction.atomic():
        status_move(ticket, Status.CLOSED, by=by, now=now, fields={"closed_at": now}, message=message)
    return ticket


def ticket_cancel(*, ticket: Ticket, by, reason: str = "") -> Ticket:
    """Cancel an open ticket. The merchant side may cancel until a technician is dispatched."""
    require(Action.CANCEL, by, ticket)
    now = timezone.now()
    with transaction.atomic():
        fields = {"cancelled_at": now}
        if ticket.status == Status.WAITING_MERCHANT:
            fields.update(paused_at=None, paused_from_status="")
        status_move(ticket, Status.CANCELLED, by=by, now=now, fields=fields, message=reason)
        ticket_repeats_changed(ticket)
        Assignment.objects.active().filter(ticket=ticket).update(released_at=now)
        Quote.objects.filter(ticket=ticket, status=Quote.Status.PENDING).update(
            status=Quote.Status.DECLINED, decided_at=now
        )
    return ticket


def ticket_pause(*, ticket: Ticket, by, reason: str) -> Ticket:
    """Wait on the merchant (a quote, missing information): the SLA clocks stop."""
    require(Action.PAUSE, by, ticket)
    if not (reason or "").strip():
        raise InvalidInput(_("Say what you are waiting for."), field="reason")
    now = timezone.now()
    with transaction.atomic():
        clock_pause(ticket, by=by, now=now, reason=reason)
    return ticket


def clock_pause(ticket: Ticket, *, by, now, reason: str) -> None:
    status_move(
        ticket,
        Status.WAITING_MERCHANT,
        by=by,
        now=now,
        fields={"paused_at": now, "paused_from_status": ticket.status},
        message=reason,
    )
    ticket_event_record(ticket=ticket, kind=TicketEvent.Kind.PAUSED, by=by, now=now, message=reason)


def ticket_resume(*, ticket: Ticket, by, message: str = "") -> Ticket:
    """The merchant answered: clocks run again, every unmet deadline moved by the paused time.

    The merchant's own answer resumes the ticket through `ticket_comment_add` or `quote_decide`."""
    require(Action.RESUME, by, ticket)
    now = timezone.now()
    with transaction.atomic():
        clock_resume(ticket, by=by, now=now, message=message)
    return ticket


def clock_resume(ticket: Ticket, *, by, now, message: str = "") -> None:
    before = {name: ticket_field_iso(ticket, name) for name in ("respond_by", "onsite_by", "resolve_by")}
    moved = deadlines_after_pause(ticket=ticket, paused_at=ticket.paused_at, resumed_at=now)
    paused_for = now - ticket.paused_at
    status_move(
        ticket,
        ticket.paused_from_status,
        by=by,
        now=now,
        fields={**moved.as_fields(), "paused_at": None, "paused_from_status": ""},
        message=message,
    )
    ticket_event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.RESUMED,
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


# --- conversation ----------------------------------------------------------------------------------


def ticket_comment_add(*, ticket: Ticket, by, body: str, internal: bool = False, photos=()) -> TicketComment:
    """A public reply (with photos) or, for staff and technicians, an internal note.

    The merchant's reply to a ticket waiting for information is the answer: the clocks run again.
    (A ticket waiting on a quote resumes when the quote is answered, not on a reply.)"""
    require(Action.NOTE if internal else Action.REPLY, by, ticket)
    staff_side = party_of(by, ticket).staff_side
    errors = {}
    if not (body or "").strip() and not photos:
        errors["body"] = [_("Write a message or attach a photo.")]
    photo_meta = photos_checked(photos, errors)
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
        photos_attach(ticket, photo_meta, by=by, now=now, comment=comment)
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.NOTE if internal else TicketEvent.Kind.COMMENT,
            by=by,
            now=now,
            public=not internal,
            comment=comment,
            data={"photos": len(photo_meta)},
        )
        if not internal and staff_side:
            merchant_notify(
                ticket=ticket,
                compose=lambda: (_("New reply on %(number)s") % {"number": ticket.number}, comment.body[:500]),
            )
        if (
            not staff_side
            and ticket.status == Status.WAITING_MERCHANT
            and not Quote.objects.filter(ticket=ticket, status=Quote.Status.PENDING).exists()
        ):
            clock_resume(ticket, by=by, now=now)
    return comment


def ticket_update(*, ticket: Ticket, by, **changes) -> Ticket:
    """Change the details a merchant or partner may correct while the ticket is open."""
    allowed = {"description", "contact_name", "contact_phone", "preferred_visit_at"}
    require(Action.UPDATE, by, ticket)
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    if "contact_phone" in changes:
        changes["contact_phone"] = mobile_checked(changes["contact_phone"], errors)
    if errors:
        raise InvalidInput(errors)
    for name in ("description", "contact_name"):
        if name in changes and not (changes[name] or "").strip():
            raise InvalidInput({name: [_("This field cannot be blank.")]})
    changed = {name: value for name, value in changes.items() if getattr(ticket, name) != value}
    if not changed:
        return ticket
    now = timezone.now()
    with transaction.atomic():
        # The status it was read in, like every transition: a ticket closed meanwhile is not changed.
        updated = Ticket.objects.filter(pk=ticket.pk, status=ticket.status).update(updated_at=now, **changed)
        if updated != 1:
            raise StateConflict()
        for name, value in changed.items():
            setattr(ticket, name, value)
        ticket_event_record(
            ticket=ticket, kind=TicketEvent.Kind.UPDATED, by=by, now=now, data={"fields": sorted(changed)}
        )
    return ticket


def ticket_feedback_give(*, ticket: Ticket, by, rating: int, comment: str = "") -> Feedback:
    """The merchant rates a resolved ticket, once; rating closes it."""
    require(Action.RATE, by, ticket)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(_("Choose from 1 to 5 stars."), field="rating")
    now = timezone.now()
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                ticket=ticket, rating=rating, comment=(comment or "").strip(), given_by=actor_user(by), created_at=now
            )
            ticket_event_record(ticket=ticket, kind=TicketEvent.Kind.FEEDBACK, by=by, now=now, data={"rating": rating})
            if ticket.status == Status.RESOLVED:
                status_move(ticket, Status.CLOSED, by=None, now=now, fields={"closed_at": now})
    except IntegrityError as error:
        raise StateConflict(_("You have already rated this service. Thank you!"), code="already_rated") from error
    return feedback


def ticket_reopen(*, ticket: Ticket, by, reason: str) -> Ticket:
    """ "Not fixed": within TICKET_REOPEN_DAYS of the repair, instead of rating it, the merchant sends
    the ticket back to the dispatchers' queue for another visit. The repair is no longer counted as
    done (its deadline is the one it had); the dispatchers are told."""
    require(Action.REOPEN, by, ticket, Facts(has_feedback=Feedback.objects.filter(ticket=ticket).exists()))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Tell us what is still wrong."), field="reason")
    now = timezone.now()
    with transaction.atomic():
        fields = {"resolved_at": None}
        if ticket.restored_at == ticket.resolved_at:
            fields["restored_at"] = None  # restored by the repair that did not hold (not by a swap or loan)
        status_move(ticket, Status.ACKNOWLEDGED, by=by, now=now, fields=fields)
        ticket_event_record(ticket=ticket, kind=TicketEvent.Kind.REOPENED, by=by, now=now, message=reason)
        ticket_facts_changed(ticket)
        staff_notify(
            ticket=ticket,
            role=User.Role.DISPATCHER,
            compose=lambda: (
                _("%(number)s reopened: not fixed") % {"number": ticket.number},
                _("%(merchant)s says the repair did not fix it: %(reason)s. Send a technician again.")
                % {"merchant": ticket.merchant.name, "reason": sentence(reason)},
            ),
        )
    return ticket


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
                status_move(
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
    "assignment_accept",
    "assignment_decline",
    "assignment_on_the_way",
    "ticket_acknowledge",
    "ticket_assign",
    "ticket_cancel",
    "ticket_check_in",
    "ticket_close",
    "ticket_comment_add",
    "ticket_feedback_give",
    "ticket_pause",
    "ticket_reopen",
    "ticket_resolve",
    "ticket_resume",
    "ticket_update",
    "ticket_visit_record",
    "tickets_close_resolved",
    "visit_approve",
    "visit_reject",
]
