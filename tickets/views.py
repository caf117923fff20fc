"""The ticket pages. Views parse input, call `tickets.services` and show what came back; they never set
a status themselves. Every ticket is read through `tickets.selectors`, so a ticket outside the
caller's scope is a 404 whatever the URL says."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.regions import regions_by_id
from accounts.scoping import is_staff_actor, visible_to
from accounts.selectors import merchant_list
from devices.models import SparePart
from possystem.errors import DomainError, InvalidInput, OutOfStock, StateConflict
from possystem.seek import seek_page
from stock.selectors import parts_with_levels, warehouses_for_parts
from tickets import loans, selectors, services
from tickets import quotes as quoting
from tickets.charges import approved_quote
from tickets.filing import ticket_file
from tickets.forms import (
    AssignForm,
    CheckInForm,
    DeclineForm,
    FeedbackForm,
    LendForm,
    PartFormSet,
    PauseForm,
    QuoteForm,
    QuotePartFormSet,
    ReasonForm,
    ReopenForm,
    ReplyForm,
    ResolveForm,
    TicketFileForm,
    VisitRecordForm,
    VisitRejectForm,
    add_domain_error,
    new_submission_key,
)
from tickets.models import Channel, Kind, Priority, Quote, Status, Ticket, TicketEvent
from tickets.permissions import Action, Facts, allowed_actions, party_of, refusal

PAGE_SIZE = 20


def _ticket_or_404(request, number: str) -> Ticket:
    try:
        return selectors.ticket_get(actor=request.user, number=number)
    except Ticket.DoesNotExist as error:
        raise Http404 from error


def _to_detail(ticket: Ticket):
    return redirect("tickets:detail", number=ticket.number)


# --- lists -------------------------------------------------------------------------------------------


@login_required
@require_GET
def ticket_list(request):
    """The merchant's tickets (any role sees the tickets in its scope), as cards on phones."""
    search = request.GET.get("q", "").strip()[:64]
    status = request.GET.get("status", "")
    if status not in (selectors.OPEN, *Status.values):
        status = ""
    page = seek_page(
        selectors.ticket_list(actor=request.user, status=status, search=search).order_by(),
        keys=selectors.LIST_ORDER,
        after=request.GET.get("after", ""),
        size=PAGE_SIZE,
        count=False,
    )
    return render(
        request,
        "tickets/ticket_list.html",
        {"page": page, "search": search, "status": status, "statuses": Status.choices, "now": timezone.now()},
    )


@login_required
@require_GET
def ticket_console(request):
    """The dispatcher's queue of new and open tickets with their deadlines."""
    if not is_staff_actor(request.user):
        messages.error(request, _("The console is for service staff."))
        return redirect("home")
    filters = {
        "status": request.GET.get("status", selectors.OPEN),
        "priority": request.GET.get("priority", ""),
        "kind": request.GET.get("kind", ""),
        "region": request.GET.get("region", ""),
        "assigned": request.GET.get("assigned", ""),
        "search": request.GET.get("q", "").strip()[:64],
    }
    if filters["status"] not in ("", selectors.OPEN, *Status.values):
        filters["status"] = selectors.OPEN
    if filters["priority"] not in Priority.values:
        filters["priority"] = ""
    if filters["kind"] not in Kind.values:
        filters["kind"] = ""
    if filters["assigned"] not in ("yes", "no"):
        filters["assigned"] = ""
    by_id = regions_by_id()
    regions = list(by_id.values())
    region = next((r for r in regions if r.code == filters["region"]), None)
    if region is None:
        filters["region"] = ""
    page = selectors.console_page(
        selectors.ticket_console(actor=request.user, **{**filters, "region": region}),
        after=request.GET.get("after", ""),
        size=PAGE_SIZE,
        searched=bool(filters["search"]),
    )
    return render(
        request,
        "tickets/console.html",
        {
            "page": page,
            "filters": filters,
            "statuses": Status.choices,
            "priorities": Priority.choices,
            "kinds": Kind.choices,
            "regions": regions,
            "regions_by_id": by_id,  # the rows' regions, read once with the filter's
            "now": timezone.now(),
        },
    )


@login_required
@require_GET
def technician_jobs(request):
    """A technician's own jobs: open ones by the next deadline to meet, then the last few completed."""
    if request.user.role != User.Role.TECHNICIAN:
        messages.error(request, _("This page lists a technician's own jobs."))
        return redirect("home")
    return render(
        request,
        "tickets/jobs.html",
        {
            "jobs": list(selectors.job_list(actor=request.user)),
            "done": list(selectors.job_list(actor=request.user, open_jobs=False, limit=10)),
            "history_length": selectors.HISTORY_LENGTH,
            "now": timezone.now(),
        },
    )


# --- filing ------------------------------------------------------------------------------------------


@login_required
def ticket_new(request):
    """File a request: a merchant for itself; staff pick the merchant first, then file on its behalf."""
    user = request.user
    staff = is_staff_actor(user)
    if not staff and user.role != User.Role.MERCHANT:
        messages.error(request, _("Only merchants and service staff can file requests here."))
        return redirect("home")
    if staff:
        merchant = _chosen_merchant(request)
        if merchant is None:
            return _merchant_picker(request)
        devices = selectors.filing_devices(actor=user, merchant=merchant)
    else:
        # A merchant files for its own business: its terminals are found by the user's merchant id,
        # and the merchant is read with the chosen terminal (a query less), on its own otherwise.
        merchant = None
        devices = selectors.filing_devices(actor=user).select_related("merchant")

    if request.method == "POST":
        form = TicketFileForm(request.POST, request.FILES, devices=devices, staff=staff)
        valid = form.is_valid()
        if merchant is None:
            chosen = form.cleaned_data.get("device") if valid else None
            merchant = chosen.merchant if chosen is not None else user.merchant
        # A double tap, or back-and-resubmit: the first submission already made the ticket. A valid
        # repeat is found by `ticket_file` (the key is unique per merchant); an invalid one here, so
        # a first submission costs no lookup.
        earlier = None if valid else _filed_with_key(user, merchant, request.POST.get("submission_key", "")[:64])
        if earlier is not None:
            messages.info(request, _("This request was already filed as %(number)s.") % {"number": earlier.number})
            return _to_detail(earlier)
        if valid:
            data = form.cleaned_data
            try:
                filed = ticket_file(
                    merchant=merchant,
                    device=data["device"],
                    kind=data["kind"],
                    fault_category=data["fault_category"],
                    description=data["description"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    preferred_visit_at=data["preferred_visit_at"],
                    priority=data.get("priority") or Priority.NORMAL,
                    channel=data.get("channel") or Channel.WEB,
                    by=user,
                    photos=data["photos"],
                    submission_key=data["submission_key"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if filed.created:
                    messages.success(request, _("Your request %(number)s is filed.") % {"number": filed.ticket.number})
                else:
                    messages.info(
                        request, _("This request was already filed as %(number)s.") % {"number": filed.ticket.number}
                    )
                return _to_detail(filed.ticket)
    else:
        merchant = merchant or user.merchant
        initial = {
            "submission_key": new_submission_key(),
            "contact_name": merchant.contact_name or (user.get_full_name() if not staff else ""),
            "contact_phone": merchant.contact_phone or (user.phone if not staff else ""),
        }
        preselected = request.GET.get("device", "")
        if preselected:
            initial["device"] = devices.filter(serial_number=preselected).values_list("pk", flat=True).first()
        form = TicketFileForm(initial=initial, devices=devices, staff=staff)
    return render(
        request,
        "tickets/ticket_new.html",
        {"form": form, "merchant": merchant, "staff": staff, "photos_lost": bool(request.FILES) and form.errors},
    )


def _chosen_merchant(request):
    merchant_id = request.POST.get("merchant") or request.GET.get("merchant")
    if not (merchant_id or "").isdigit():
        return None
    return merchant_list(actor=request.user).filter(pk=int(merchant_id)).first()


def _merchant_picker(request):
    search = request.GET.get("q", "").strip()[:64]
    merchants = merchant_list(actor=request.user).order_by("name", "pk")
    if search:
        merchants = merchants.filter(
            Q(name__icontains=search)
            | Q(code__icontains=search)
            | Q(contact_phone__icontains=search)
            | Q(devices__serial_number__iexact=search)
        ).distinct()
    page = Paginator(merchants, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/merchant_picker.html", {"page": page, "search": search})


def _filed_with_key(user, merchant, key: str) -> Ticket | None:
    if not key:
        return None
    return visible_to(Ticket.objects.all(), user).filter(merchant=merchant, submission_key=key).first()


# --- the ticket page ---------------------------------------------------------------------------------


def _has_feedback(ticket: Ticket) -> bool:
    # A missing reverse one-to-one raises an AttributeError subclass, which getattr turns into None.
    return getattr(ticket, "feedback", None) is not None


def _parts_choices(user, ticket: Ticket, allowed: dict[str, bool]) -> list[SparePart]:
    if not allowed[Action.RESOLVE]:
        return []
    return parts_with_levels(
        parts=selectors.spare_parts_for(ticket=ticket), warehouses=warehouses_for_parts(actor=user)
    )


def _render_detail(request, ticket: Ticket, **bound):
    """The ticket page; `bound` holds a submitted form to show again with its errors."""
    user = request.user
    quotes = list(ticket.quotes.all())
    pending_quote = next((q for q in quotes if q.status == Quote.Status.PENDING), None)
    visits = list(ticket.visits.all())
    pending_visit = next((v for v in visits if v.awaiting_approval), None)
    ticket_loans = list(selectors.ticket_loans(actor=user, ticket=ticket))
    allowed = allowed_actions(
        user,
        ticket,
        Facts(
            pending_quote=pending_quote is not None,
            has_feedback=_has_feedback(ticket),
            pending_visit=pending_visit is not None,
            loan_out=any(loan.is_out for loan in ticket_loans),
        ),
    )
    parts = bound.pop("parts", None) or _parts_choices(user, ticket, allowed)
    quote_parts = bound.pop("quote_parts", None) or (
        selectors.spare_parts_for(ticket=ticket) if allowed[Action.QUOTE] else []
    )
    labour_price, labour_unit = quoting.labour_rate()
    events = list(selectors.ticket_timeline(actor=user, ticket=ticket))
    waiting_for = ""
    if ticket.status == Status.WAITING_MERCHANT and pending_quote is None:
        paused = [e for e in events if e.kind == TicketEvent.Kind.PAUSED]
        waiting_for = paused[-1].message if paused else ""
    active = ticket.active_assignment
    now = timezone.now()
    context = {
        "ticket": ticket,
        "events": events,
        "filing_photos": list(
            selectors.ticket_photos(actor=user, ticket=ticket).filter(comment__isnull=True, report__isnull=True)
        ),
        "assignments": list(ticket.assignments.all()),
        "active_assignment": active,
        "visits": visits,
        "pending_visit": pending_visit,
        # The merchant's proof of a visit, until the technician on the job has checked in.
        "show_code": party_of(user, ticket).merchant
        and ticket.is_open
        and active is not None
        and active.arrived_at is None,
        "quotes": quotes,
        "pending_quote": pending_quote,
        "approved_quote": approved_quote(ticket),
        "quote_revised": any(q.status == Quote.Status.SUPERSEDED for q in quotes),
        "quote_lapse_days": settings.QUOTE_LAPSE_AFTER_DAYS,
        "declined_quote": next((q for q in reversed(quotes) if q.status == Quote.Status.DECLINED), None),
        "labour_price": labour_price,
        "labour_unit": labour_unit,
        "prices_include_tax": settings.PRICES_INCLUDE_TAX,
        "vat_rate": settings.VAT_RATE_PERCENT,
        "sets_prices": party_of(user, ticket).manager,
        "loans": ticket_loans,
        "lend_form": LendForm(prefix="lend"),
        "waiting_for": waiting_for,
        "report": ticket.report if ticket.status in (Status.RESOLVED, Status.CLOSED) else None,
        "feedback": getattr(ticket, "feedback", None),
        "allowed": allowed,
        # On a technician's phone the job's next step comes before the information about it.
        "next_step_first": user.role == User.Role.TECHNICIAN,
        "sees_internal": selectors.sees_internal(actor=user, ticket=ticket),
        "candidates": selectors.assignment_candidates(actor=user, ticket=ticket, now=now)
        if allowed[Action.ASSIGN]
        else [],
        "now": now,
        "reply_form": ReplyForm(prefix="reply"),
        "cancel_form": ReasonForm(prefix="cancel"),
        "pause_form": PauseForm(prefix="pause"),
        "feedback_form": FeedbackForm(prefix="feedback"),
        "assign_form": AssignForm(prefix="assign"),
        "decline_form": DeclineForm(prefix="decline"),
        "check_in_form": CheckInForm(prefix="check_in"),
        "visit_form": VisitRecordForm(prefix="visit"),
        "reject_visit_form": VisitRejectForm(prefix="reject"),
        "reopen_form": ReopenForm(prefix="reopen"),
        "reopen_days": settings.TICKET_REOPEN_DAYS,
        "quote_form": QuoteForm(prefix="quote", labour_unit=labour_unit, initial={"labour_quantity": 1}),
        "quote_parts_formset": QuotePartFormSet(prefix="quote_parts", form_kwargs={"parts": quote_parts}),
        "resolve_form": ResolveForm(
            prefix="resolve",
            initial={"signed_by": ticket.contact_name},
            warehouses=list(warehouses_for_parts(actor=user)) if allowed[Action.RESOLVE] else [],
        ),
        "parts_formset": PartFormSet(prefix="parts", form_kwargs={"parts": parts}),
    }
    context.update(bound)
    return render(request, "tickets/ticket_detail.html", context)


@login_required
@require_GET
def ticket_detail(request, number):
    return _render_detail(request, _ticket_or_404(request, number))


def _act(request, number: str, run, done: str):
    """A one-button action: run it, say what happened, go back to the ticket."""
    ticket = _ticket_or_404(request, number)
    try:
        run(ticket)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, done)
    return _to_detail(ticket)


def _act_with_form(request, number: str, name: str, form, run, done: str, *, action: Action | None = None, **extra):
    """An action with input: a form error or a refused input shows the page again with the input kept;
    any other refusal is a message on the ticket page. With `action`, someone who may not take it now
    is told so before their input is looked at (the page would not show them the form)."""
    ticket = _ticket_or_404(request, number)
    refused = refusal(action, request.user, ticket) if action is not None else None
    if refused is not None:
        messages.error(request, str(refused.message))
        return _to_detail(ticket)
    forms_ok = form.is_valid() and all(f.is_valid() for f in extra.values() if hasattr(f, "is_valid"))
    if forms_ok:
        try:
            run(ticket, form.cleaned_data)
        except (InvalidInput, OutOfStock) as error:
            add_domain_error(form, error)
        except DomainError as error:
            messages.error(request, str(error.message))
            return _to_detail(ticket)
        else:
            messages.success(request, done)
            return _to_detail(ticket)
    # Read the ticket again: a refused service may have changed the copy in hand before rolling back.
    return _render_detail(request, _ticket_or_404(request, number), **{name: form}, **extra)


@login_required
@require_POST
def ticket_reply(request, number):
    internal = request.POST.get("visibility") == "internal"
    return _act_with_form(
        request,
        number,
        "reply_form",
        ReplyForm(request.POST, request.FILES, prefix="reply"),
        lambda ticket, data: services.ticket_comment_add(
            ticket=ticket, by=request.user, body=data["body"], internal=internal, photos=data["photos"]
        ),
        _("Internal note saved.") if internal else _("Reply sent."),
    )


@login_required
@require_POST
def ticket_cancel(request, number):
    return _act_with_form(
        request,
        number,
        "cancel_form",
        ReasonForm(request.POST, prefix="cancel"),
        lambda ticket, data: services.ticket_cancel(ticket=ticket, by=request.user, reason=data["reason"]),
        _("The request is cancelled."),
    )


@login_required
@require_POST
def ticket_feedback(request, number):
    return _act_with_form(
        request,
        number,
        "feedback_form",
        FeedbackForm(request.POST, prefix="feedback"),
        lambda ticket, data: services.ticket_feedback_give(
            ticket=ticket, by=request.user, rating=data["rating"], comment=data["comment"]
        ),
        _("Thank you for rating our service."),
    )


@login_required
@require_POST
def quote_decide(request, number, quote_id):
    approve = request.POST.get("decision") == "approve"

    def run(ticket):
        quote = next((q for q in ticket.quotes.all() if q.pk == quote_id), None)
        if quote is None:
            raise Http404
        quoting.quote_decide(quote=quote, by=request.user, approve=approve)

    return _act(
        request,
        number,
        run,
        _("Quote approved; the repair goes ahead.")
        if approve
        else _("Quote declined: the terminal is returned unrepaired and nothing is charged."),
    )


@login_required
@require_POST
def ticket_acknowledge(request, number):
    return _act(
        request,
        number,
        lambda ticket: services.ticket_acknowledge(
            ticket=ticket, by=request.user, message=request.POST.get("message", "")[:500]
        ),
        _("Ticket acknowledged."),
    )


@login_required
@require_POST
def ticket_assign(request, number):
    def run(ticket, data):
        services.ticket_assign(
            ticket=ticket,
            technician=data["technician"],
            by=request.user,
            scheduled_at=data["scheduled_at"],
            message=data["message"],
            override_reason=data["override_reason"],
        )

    return _act_with_form(
        request,
        number,
        "assign_form",
        AssignForm(request.POST, prefix="assign"),
        run,
        _("Technician assigned."),
    )


def _my_assignment(ticket: Ticket):
    assignment = ticket.active_assignment
    if assignment is None:
        raise StateConflict(_("This job is no longer assigned."))
    return assignment


@login_required
@require_POST
def assignment_accept(request, number):
    return _act(
        request,
        number,
        lambda ticket: services.assignment_accept(assignment=_my_assignment(ticket), by=request.user),
        _("Job accepted."),
    )


@login_required
@require_POST
def assignment_decline(request, number):
    return _act_with_form(
        request,
        number,
        "decline_form",
        DeclineForm(request.POST, prefix="decline"),
        lambda ticket, data: services.assignment_decline(
            assignment=_my_assignment(ticket), by=request.user, reason=data["reason"]
        ),
        _("Job declined; the dispatchers are told."),
        action=Action.DECLINE,
    )


@login_required
@require_POST
def assignment_on_the_way(request, number):
    return _act(
        request,
        number,
        lambda ticket: services.assignment_on_the_way(assignment=_my_assignment(ticket), by=request.user),
        _("The merchant is told you are on the way."),
    )


@login_required
@require_POST
def ticket_check_in(request, number):
    return _act_with_form(
        request,
        number,
        "check_in_form",
        CheckInForm(request.POST, prefix="check_in"),
        lambda ticket, data: services.ticket_check_in(
            ticket=ticket,
            by=request.user,
            code=data["code"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            accuracy_m=data["accuracy"],
        ),
        _("Checked in on site: the visit is verified."),
        action=Action.CHECK_IN,
    )


@login_required
@require_POST
def ticket_visit_record(request, number):
    return _act_with_form(
        request,
        number,
        "visit_form",
        VisitRecordForm(request.POST, prefix="visit"),
        lambda ticket, data: services.ticket_visit_record(ticket=ticket, by=request.user, reason=data["reason"]),
        _("Visit recorded; it waits for a manager's approval."),
        action=Action.RECORD_VISIT,
    )


@login_required
@require_POST
def visit_approve(request, number, visit_id):
    def run(ticket):
        visit = next((v for v in ticket.visits.all() if v.pk == visit_id), None)
        if visit is None:
            raise Http404
        services.visit_approve(visit=visit, by=request.user)

    return _act(request, number, run, _("Visit approved."))


@login_required
@require_POST
def visit_reject(request, number, visit_id):
    def run(ticket, data):
        visit = next((v for v in ticket.visits.all() if v.pk == visit_id), None)
        if visit is None:
            raise Http404
        services.visit_reject(visit=visit, by=request.user, reason=data["reason"])

    return _act_with_form(
        request,
        number,
        "reject_visit_form",
        VisitRejectForm(request.POST, prefix="reject"),
        run,
        _("Visit rejected; the ticket is back to dispatched."),
        action=Action.REJECT_VISIT,
    )


@login_required
@require_POST
def ticket_reopen(request, number):
    return _act_with_form(
        request,
        number,
        "reopen_form",
        ReopenForm(request.POST, prefix="reopen"),
        lambda ticket, data: services.ticket_reopen(ticket=ticket, by=request.user, reason=data["reason"]),
        _("Sorry it is not fixed. The request is open again and a technician will come back."),
        action=Action.REOPEN,
    )


@login_required
@require_POST
def quote_send(request, number):
    ticket = _ticket_or_404(request, number)
    parts = selectors.spare_parts_for(ticket=ticket)
    by_pk = {str(p.pk): p for p in parts}
    formset = QuotePartFormSet(request.POST, prefix="quote_parts", form_kwargs={"parts": parts})
    _price, labour_unit = quoting.labour_rate()

    def run(ticket, data):
        lines = [
            quoting.LineIn(spare_part=by_pk[row["part"]], quantity=row["quantity"], unit_price=row.get("unit_price"))
            for row in formset.cleaned_data
            if row.get("part") and row["part"] in by_pk
        ]
        if data["labour_quantity"]:
            lines.append(
                quoting.LineIn(spare_part=None, quantity=data["labour_quantity"], unit_price=data["labour_unit_price"])
            )
        quoting.quote_send(ticket=ticket, by=request.user, lines=lines, note=data["note"])

    return _act_with_form(
        request,
        number,
        "quote_form",
        QuoteForm(request.POST, prefix="quote", labour_unit=labour_unit),
        run,
        _("Quote sent to the merchant; the ticket waits for the answer."),
        action=Action.QUOTE,
        quote_parts_formset=formset,
        quote_parts=parts,
    )


@login_required
@require_POST
def ticket_resolve(request, number):
    ticket = _ticket_or_404(request, number)
    warehouses = list(warehouses_for_parts(actor=request.user))
    parts = parts_with_levels(parts=selectors.spare_parts_for(ticket=ticket), warehouses=warehouses)
    by_pk = {str(p.pk): p for p in parts}
    formset = PartFormSet(request.POST, prefix="parts", form_kwargs={"parts": parts})

    def run(ticket, data):
        used = [
            (by_pk[row["part"]], row["quantity"])
            for row in formset.cleaned_data
            if row.get("part") and row["part"] in by_pk
        ]
        services.ticket_resolve(
            ticket=ticket,
            by=request.user,
            outcome=data["outcome"],
            work_done=data["work_done"],
            parts=used,
            replacement_serial=data["replacement_serial"],
            photos=data["photos"],
            signature=data["signature"],
            signed_by=data["signed_by"],
            warehouse=data["warehouse"],
        )

    return _act_with_form(
        request,
        number,
        "resolve_form",
        ResolveForm(request.POST, request.FILES, prefix="resolve", warehouses=warehouses),
        run,
        _("Ticket resolved; the merchant is asked to rate the service."),
        parts_formset=formset,
        parts=parts,
    )


@login_required
@require_POST
def ticket_lend(request, number):
    return _act_with_form(
        request,
        number,
        "lend_form",
        LendForm(request.POST, prefix="lend"),
        lambda ticket, data: loans.loan_lend(ticket=ticket, serial=data["serial"], by=request.user),
        _("Loaner lent; the merchant's terminal goes to the depot for repair."),
        action=Action.LEND,
    )


@login_required
@require_POST
def ticket_loan_return(request, number):
    return _act(
        request,
        number,
        lambda ticket: loans.loan_return(ticket=ticket, by=request.user),
        _("The merchant's own terminal is back in service; the loaner is back in stock."),
    )


@login_required
@require_POST
def ticket_pause(request, number):
    return _act_with_form(
        request,
        number,
        "pause_form",
        PauseForm(request.POST, prefix="pause"),
        lambda ticket, data: services.ticket_pause(ticket=ticket, by=request.user, reason=data["reason"]),
        _("Waiting for the merchant; the SLA clocks are paused."),
    )


@login_required
@require_POST
def ticket_resume(request, number):
    return _act(
        request,
        number,
        lambda ticket: services.ticket_resume(ticket=ticket, by=request.user),
        _("Resumed; the SLA clocks run again."),
    )


@login_required
@require_POST
def ticket_close(request, number):
    return _act(
        request,
        number,
        lambda ticket: services.ticket_close(ticket=ticket, by=request.user),
        _("Ticket closed."),
    )


# --- receipt and photos --------------------------------------------------------------------------------


@login_required
@require_GET
def ticket_receipt(request, number):
    """The printable service receipt (维修凭证) of a resolved ticket."""
    ticket = _ticket_or_404(request, number)
    report = ticket.report if ticket.status in (Status.RESOLVED, Status.CLOSED) else None
    if report is None:
        messages.info(request, _("The service receipt is ready once the ticket is resolved."))
        return _to_detail(ticket)
    return render(
        request,
        "tickets/receipt.html",
        {"ticket": ticket, "report": report, "approved_quote": approved_quote(ticket)},
    )


@login_required
@require_GET
def ticket_photo(request, number, photo_id):
    """A ticket photo, only to those who may see it; uploads are never served from a public URL."""
    ticket = _ticket_or_404(request, number)
    photo = selectors.ticket_photos(actor=request.user, ticket=ticket).filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    return _private_file(photo.image, photo.content_type, f"{ticket.number}-{photo.pk}.{photo.extension}")


def _private_file(field_file, content_type: str, filename: str) -> FileResponse:
    """A stored upload, for the browser of someone the caller has checked may see it."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def ticket_signature(request, number, report_id):
    """The merchant's signature on a repair report, to those who may see the ticket."""
    ticket = _ticket_or_404(request, number)
    report = next((r for r in ticket.reports.all() if r.pk == report_id), None)
    signature = getattr(report, "signature", None) if report is not None else None
    if signature is None:
        raise Http404
    return _private_file(signature.image, "image/png", f"{ticket.number}-signature-{report.pk}.png")
