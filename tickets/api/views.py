"""One view per operation: parse, look up in the caller's scope, call the service, answer."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.models import Merchant
from accounts.scoping import is_staff_actor, visible_to
from api.pagination import cursor_page
from api.views import ApiView
from devices.models import Device, SparePart
from possystem.errors import ActionNotAllowed, InvalidInput
from stock.models import Warehouse
from technicians.models import Technician
from tickets import loans, selectors, services
from tickets import quotes as quoting
from tickets.api import serializers as s
from tickets.api.selectors import ticket_comments, ticket_list_filtered
from tickets.filing import ticket_file
from tickets.models import Channel, Quote, Ticket

TAGS = ["tickets"]
STAFF_TAGS = ["ticket actions (staff)"]

FILE_EXAMPLE = OpenApiExample(
    "A printer fault",
    value={
        "device": "PAX-A920-0001",
        "kind": "repair",
        "fault_category": "printer",
        "description": "打印机不出纸，小票打印一半就停。",
        "contact_name": "王丽",
        "contact_phone": "13800138000",
        "priority": "normal",
    },
    request_only=True,
)
FILED_EXAMPLE = OpenApiExample(
    "Filed",
    value={
        "number": "RT-20261126-0042",
        "status": "new",
        "kind": "repair",
        "channel": "api",
        "priority": "normal",
        "merchant": 1,
        "device": "PAX-A920-0001",
        "fault_category": "printer",
        "description": "打印机不出纸，小票打印一半就停。",
        "contact_name": "王丽",
        "contact_phone": "13800138000",
        "preferred_visit_at": None,
        "warranty": {
            "covered": True,
            "reason": "In warranty until 2027-02-28; the repair is free.",
            "reason_code": "in_warranty",
        },
        "sla": {
            "respond_by": "2026-11-27T10:15:00+08:00",
            "onsite_by": "2026-11-28T10:15:00+08:00",
            "resolve_by": "2026-11-30T10:15:00+08:00",
            "responded_at": None,
            "onsite_at": None,
            "resolved_at": None,
            "breached": False,
        },
        "created_at": "2026-11-26T10:15:00+08:00",
        "updated_at": "2026-11-26T10:15:00+08:00",
        "closed_at": None,
        "cancelled_at": None,
    },
    response_only=True,
    status_codes=["201"],
)


def ticket_or_404(actor, number: str) -> Ticket:
    try:
        return selectors.ticket_get(actor=actor, number=number)
    except Ticket.DoesNotExist as error:
        raise NotFound() from error


def ticket_response(request, number: str, status_code: int = status.HTTP_200_OK) -> Response:
    """The ticket as it now stands, read again in the caller's scope."""
    ticket = ticket_or_404(request.user, number)
    return Response(s.TicketOut(ticket, context={"request": request}).data, status=status_code)


class TicketListCreate(ApiView):
    pagination_class = cursor_page("-created_at", "-pk")

    @extend_schema(
        operation_id="tickets_list", parameters=[s.TicketFilter], responses=s.TicketOut(many=True), tags=TAGS
    )
    def get(self, request):
        filters = self.parse(s.TicketFilter, request.query_params)
        return self.paginate(ticket_list_filtered(actor=request.user, **filters), s.TicketOut)

    @extend_schema(
        operation_id="tickets_create",
        request=s.TicketFileIn,
        responses={201: s.TicketOut},
        tags=TAGS,
        examples=[FILE_EXAMPLE, FILED_EXAMPLE],
    )
    def post(self, request):
        data = self.parse(s.TicketFileIn, request.data)
        fields = dict(data)
        device, merchant = self._device_and_merchant(
            request.user, fields.pop("device", ""), fields.pop("merchant", None)
        )
        filed = ticket_file(merchant=merchant, device=device, channel=Channel.API, by=request.user, **fields)
        # The ticket as filing left it in memory (nothing else can have touched it yet): no read back.
        response = Response(
            s.TicketOut(filed.ticket, context={"request": request}).data, status=status.HTTP_201_CREATED
        )
        response["Location"] = reverse("api:ticket-detail", args=[filed.ticket.number])
        return response

    @staticmethod
    def _device_and_merchant(actor, serial_number: str, merchant_id: int | None):
        device = merchant = None
        if serial_number:
            try:
                # What filing reads of the terminal: its merchant (and region, status, ids). The
                # warranty decision reads its warranties itself; `device_get` loads what the device
                # pages show as well, which filing paid for on every request.
                device = visible_to(Device.objects.select_related("merchant"), actor).get(serial_number=serial_number)
            except Device.DoesNotExist as error:
                raise InvalidInput({"device": [_("No terminal with this serial number is visible to you.")]}) from error
        if merchant_id is not None:
            merchant = visible_to(Merchant.objects.all(), actor).filter(pk=merchant_id).first()
            if merchant is None:
                raise InvalidInput({"merchant": [_("No merchant with this id is visible to you.")]})
        elif device is not None:
            if device.merchant is None:
                raise InvalidInput({"device": [_("This terminal is not deployed at a merchant.")]})
            merchant = device.merchant
        else:
            raise InvalidInput({"device": [_("Name the terminal, or the merchant for a consultation or training.")]})
        return device, merchant


class TicketDetail(ApiView):
    @extend_schema(operation_id="tickets_retrieve", responses=s.TicketOut, tags=TAGS)
    def get(self, request, number: str):
        return ticket_response(request, number)

    @extend_schema(
        operation_id="tickets_partial_update",
        request=s.TicketUpdateIn,
        responses=s.TicketOut,
        tags=TAGS,
        description="Change the description, contact or preferred visit time of an open ticket. "
        "Any other field is refused with 422.",
    )
    def patch(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        data = self.parse(s.TicketUpdateIn, request.data, partial=True)
        changes = dict(data)
        # Fields that cannot be changed go to the service, which refuses them by name.
        changes.update({name: request.data[name] for name in request.data if name not in s.TicketUpdateIn().fields})
        services.ticket_update(ticket=ticket, by=request.user, **changes)
        return ticket_response(request, number)


class TicketComments(ApiView):
    pagination_class = cursor_page("created_at", "pk")

    @extend_schema(operation_id="tickets_comments_list", responses=s.CommentOut(many=True), tags=TAGS)
    def get(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        return self.paginate(ticket_comments(actor=request.user, ticket=ticket), s.CommentOut)

    @extend_schema(
        operation_id="tickets_comments_create", request=s.CommentIn, responses={201: s.CommentOut}, tags=TAGS
    )
    def post(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        data = self.parse(s.CommentIn, request.data)
        comment = services.ticket_comment_add(ticket=ticket, by=request.user, **data)
        return Response(s.CommentOut(comment).data, status=status.HTTP_201_CREATED)


class TicketEvents(ApiView):
    pagination_class = cursor_page("created_at", "pk")

    @extend_schema(operation_id="tickets_events_list", responses=s.EventOut(many=True), tags=TAGS)
    def get(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        return self.paginate(selectors.ticket_timeline(actor=request.user, ticket=ticket), s.EventOut)


class TicketCancel(ApiView):
    @extend_schema(operation_id="tickets_cancel", request=s.CancelIn, responses=s.TicketOut, tags=TAGS)
    def post(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        data = self.parse(s.CancelIn, request.data)
        services.ticket_cancel(ticket=ticket, by=request.user, reason=data["reason"])
        return ticket_response(request, number)


class TicketAcknowledge(ApiView):
    @extend_schema(operation_id="tickets_acknowledge", request=s.MessageIn, responses=s.TicketOut, tags=STAFF_TAGS)
    def post(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        data = self.parse(s.MessageIn, request.data)
        services.ticket_acknowledge(ticket=ticket, by=request.user, message=data["message"])
        return ticket_response(request, number)


class TicketAssign(ApiView):
    @extend_schema(operation_id="tickets_assign", request=s.AssignIn, responses=s.TicketOut, tags=STAFF_TAGS)
    def post(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        if not is_staff_actor(request.user):
            # Refuse before looking the technician up, so callers cannot probe technician ids.
            raise ActionNotAllowed()
        data = self.parse(s.AssignIn, request.data)
        fields = dict(data)
        technician = Technician.objects.select_related("user").filter(pk=fields.pop("technician")).first()
        if technician is None:
            raise InvalidInput({"technician": [_("No technician has this id.")]})
        try:
            services.ticket_assign(
                ticket=ticket, technician=technician, by=request.user, override_reason=fields.pop("reason"), **fields
            )
        except InvalidInput as refused:
            # The page's field is `override_reason`; the API's is `reason`.
            if "override_reason" not in refused.errors:
                raise
            raise InvalidInput({"reason": refused.errors["override_reason"]}, code=refused.code) from refused
        return ticket_response(request, number)


class TicketCheckIn(ApiView):
    @extend_schema(
        operation_id="tickets_check_in",
        request=s.CheckInIn,
        responses=s.TicketOut,
        tags=STAFF_TAGS,
        description="The technician on the job checks in with the merchant's confirmation `code` (and the "
        "phone's location when it has one): a verified visit, which meets the on-site milestone. Staff call it "
        "without a code to record a visit on the technician's behalf, with a `reason` (when none is given the "
        "timeline says it came through the API): the ticket is on site, but the visit is unverified and the "
        "on-site milestone stays unmet until a manager approves it.",
    )
    def post(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        data = self.parse(s.CheckInIn, request.data or {})
        if data["code"] or not is_staff_actor(request.user):
            services.ticket_check_in(
                ticket=ticket,
                by=request.user,
                code=data["code"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                accuracy_m=data["accuracy"],
            )
        else:
            reason = data["reason"].strip() or _("Recorded through the API; no reason given.")
            services.ticket_visit_record(ticket=ticket, by=request.user, reason=reason)
        return ticket_response(request, number)


class TicketResolve(ApiView):
    @extend_schema(operation_id="tickets_resolve", request=s.ResolveIn, responses=s.TicketOut, tags=STAFF_TAGS)
    def post(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        data = self.parse(s.ResolveIn, request.data)
        fields = dict(data)
        parts = []
        for index, part in enumerate(fields.pop("parts")):
            spare_part = SparePart.objects.filter(sku=part["sku"]).first()
            if spare_part is None:
                raise InvalidInput({f"parts.{index}.sku": [_("No spare part has this SKU.")]})
            parts.append((spare_part, part["quantity"]))
        fields.pop("labour_charge")  # deprecated: the charge is the approved quote
        warehouse = None
        if code := fields.pop("warehouse"):
            warehouse = Warehouse.objects.filter(code=code).first()
            if warehouse is None:
                raise InvalidInput({"warehouse": [_("No warehouse has this code.")]})
        services.ticket_resolve(ticket=ticket, by=request.user, parts=parts, warehouse=warehouse, **fields)
        return ticket_response(request, number)


class TicketClose(ApiView):
    @extend_schema(operation_id="tickets_close", request=s.MessageIn, responses=s.TicketOut, tags=STAFF_TAGS)
    def post(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        data = self.parse(s.MessageIn, request.data)
        services.ticket_close(ticket=ticket, by=request.user, message=data["message"])
        return ticket_response(request, number)


QUOTE_EXAMPLE = OpenApiExample(
    "A screen and one visit",
    value={
        "lines": [{"kind": "part", "sku": "SCR-A920", "quantity": 1}, {"kind": "labour", "quantity": 1}],
        "note": "更换触摸屏总成。",
    },
    request_only=True,
)


class TicketQuotes(ApiView):
    """Quotes of an out-of-warranty repair: every one sent, oldest first, with its lines."""

    pagination_class = cursor_page("created_at", "pk")

    @extend_schema(operation_id="tickets_quotes_list", responses=s.QuoteOut(many=True), tags=TAGS)
    def get(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        quotes = Quote.objects.filter(ticket=ticket).prefetch_related("lines__spare_part")
        return self.paginate(quotes, s.QuoteOut)

    @extend_schema(
        operation_id="tickets_quotes_create",
        request=s.QuoteIn,
        responses={201: s.QuoteOut},
        examples=[QUOTE_EXAMPLE],
        tags=STAFF_TAGS,
        description="Staff and the technician on the job quote line by line: parts at their list price, "
        "labour at the configured rate. A quote sent after one was approved supersedes it. The ticket waits "
        "on the merchant (its clocks pause) until the quote is decided.",
    )
    def post(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        data = self.parse(s.QuoteIn, request.data)
        parts = {part.sku: part for part in selectors.spare_parts_for(ticket=ticket)}
        lines = []
        for index, line in enumerate(data["lines"]):
            part = None
            if line["kind"] == "part":
                part = parts.get(line["sku"])
                if part is None:
                    raise InvalidInput({f"lines.{index}.sku": [_("No spare part of this terminal has this SKU.")]})
            lines.append(
                quoting.LineIn(
                    spare_part=part,
                    quantity=line["quantity"],
                    unit_price=line["unit_price"],
                    description=line["description"],
                )
            )
        quote = quoting.quote_send(ticket=ticket, by=request.user, lines=lines, note=data["note"])
        quote = Quote.objects.prefetch_related("lines__spare_part").get(pk=quote.pk)
        return Response(s.QuoteOut(quote).data, status=status.HTTP_201_CREATED)


class TicketQuoteDecide(ApiView):
    @extend_schema(
        operation_id="tickets_quotes_decide",
        request=s.QuoteDecisionIn,
        responses=s.QuoteOut,
        tags=TAGS,
        description="The merchant's side approves or declines a pending quote. Declined, the ticket ends "
        "`returned_unrepaired`.",
    )
    def post(self, request, number: str, quote_id: int):
        ticket = ticket_or_404(request.user, number)
        quote = next((q for q in ticket.quotes.all() if q.pk == quote_id), None)
        if quote is None:
            raise NotFound()
        data = self.parse(s.QuoteDecisionIn, request.data)
        quote.ticket = ticket
        quoting.quote_decide(quote=quote, by=request.user, approve=data["decision"] == "approve")
        quote = Quote.objects.prefetch_related("lines__spare_part").get(pk=quote.pk)
        return Response(s.QuoteOut(quote).data)


class TicketLoans(ApiView):
    """Loaners (备机) on a ticket: lent while the merchant's own terminal is repaired at the depot."""

    @extend_schema(operation_id="tickets_loans_list", responses=s.LoanOut(many=True), tags=STAFF_TAGS)
    def get(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        return Response(s.LoanOut(selectors.ticket_loans(actor=request.user, ticket=ticket), many=True).data)

    @extend_schema(operation_id="tickets_loans_lend", request=s.LendIn, responses={201: s.LoanOut}, tags=STAFF_TAGS)
    def post(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        data = self.parse(s.LendIn, request.data)
        loan = loans.loan_lend(ticket=ticket, serial=data["serial"], by=request.user)
        return Response(s.LoanOut(loan).data, status=status.HTTP_201_CREATED)


class TicketLoanReturn(ApiView):
    @extend_schema(operation_id="tickets_loans_return", request=None, responses=s.LoanOut, tags=STAFF_TAGS)
    def post(self, request, number: str):
        ticket = ticket_or_404(request.user, number)
        loan = loans.loan_return(ticket=ticket, by=request.user)
        return Response(s.LoanOut(loan).data)
