import copy
from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from api.fields import DateTimeField
from devices.models import FaultCategory
from sla.selectors import ticket_is_breached
from technicians.models import RepairReport
from tickets.models import Kind, Priority, Quote, QuoteLine, Status, Ticket, TicketComment, TicketEvent


class TicketWarrantyOut(serializers.Serializer):
    covered = serializers.BooleanField(source="warranty_covered")
    reason = serializers.CharField(source="warranty_reason_text")
    reason_code = serializers.CharField(source="warranty_reason")


class TicketSlaOut(serializers.Serializer):
    respond_by = serializers.DateTimeField(allow_null=True)
    onsite_by = serializers.DateTimeField(allow_null=True)
    resolve_by = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    onsite_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    breached = serializers.SerializerMethodField()

    def get_breached(self, ticket) -> bool:
        return ticket_is_breached(ticket, self.context.get("now") or timezone.now())


class TicketOut(serializers.ModelSerializer):
    merchant = serializers.PrimaryKeyRelatedField(read_only=True)
    device = serializers.SlugRelatedField(slug_field="serial_number", read_only=True, allow_null=True)
    warranty = TicketWarrantyOut(source="*", read_only=True)
    sla = TicketSlaOut(source="*", read_only=True)
    downtime_seconds = serializers.SerializerMethodField(
        help_text="From filing to `restored_at` (service back by a repair, a swap or a loaner); null until then."
    )

    class Meta:
        model = Ticket
        fields = [
            "number",
            "status",
            "kind",
            "channel",
            "priority",
            "merchant",
            "device",
            "fault_category",
            "description",
            "contact_name",
            "contact_phone",
            "preferred_visit_at",
            "warranty",
            "sla",
            "restored_at",
            "downtime_seconds",
            "created_at",
            "updated_at",
            "closed_at",
            "cancelled_at",
        ]

    def get_fields(self):
        # Built from the model once per process and copied for each use, as a plain Serializer copies
        # its declared fields: building them walks the model's fields every time, two thirds of what
        # answering a filing with this serializer cost.
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            type(self)._built_fields = built
        return copy.deepcopy(built)

    def get_downtime_seconds(self, ticket) -> int | None:
        return int(ticket.downtime.total_seconds()) if ticket.downtime is not None else None


class TicketFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    merchant = serializers.IntegerField(required=False, min_value=1)
    device = serializers.CharField(required=False, max_length=64, help_text="A serial number.")
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    breached = serializers.BooleanField(required=False, allow_null=True, default=None)
    created_after = DateTimeField(required=False)
    created_before = DateTimeField(required=False)


class TicketFileIn(serializers.Serializer):
    device = serializers.CharField(
        max_length=64,
        required=False,
        help_text="The terminal's serial number (not needed for consultation or training).",
    )
    merchant = serializers.IntegerField(required=False, help_text="Needed only when no device is named.")
    kind = serializers.ChoiceField(choices=Kind.choices)
    fault_category = serializers.ChoiceField(
        choices=FaultCategory.choices, required=False, allow_blank=True, default=""
    )
    # Blank values pass through to the filing service, which reports every field at fault at once.
    description = serializers.CharField(max_length=4000, allow_blank=True)
    contact_name = serializers.CharField(max_length=64, allow_blank=True)
    contact_phone = serializers.CharField(max_length=32, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    preferred_visit_at = DateTimeField(required=False, allow_null=True, default=None)


class TicketUpdateIn(serializers.Serializer):
    description = serializers.CharField(max_length=4000, required=False)
    contact_name = serializers.CharField(max_length=64, required=False)
    contact_phone = serializers.CharField(max_length=32, required=False)
    preferred_visit_at = DateTimeField(required=False, allow_null=True)


class CommentOut(serializers.ModelSerializer):
    author = serializers.CharField(source="author_name")

    class Meta:
        model = TicketComment
        fields = ["id", "body", "author", "internal", "created_at"]


class CommentIn(serializers.Serializer):
    body = serializers.CharField(max_length=10000)
    internal = serializers.BooleanField(default=False, help_text="Staff only: a note the merchant does not see.")


class EventOut(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name")
    comment = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "from_status", "to_status", "actor", "message", "comment", "created_at"]


class MessageIn(serializers.Serializer):
    message = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class AssignIn(serializers.Serializer):
    technician = serializers.IntegerField(help_text="A technician's id from GET /api/v1/technicians/.")
    scheduled_at = DateTimeField(required=False, allow_null=True, default=None)
    message = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
    reason = serializers.CharField(
        max_length=500,
        required=False,
        default="",
        allow_blank=True,
        help_text="Why this technician is sent although they are off shift until after the deadline, outside the "
        "ticket's region, not trained on its model or at capacity. Without it such an assignment is refused with "
        "422 `confirmation_needed`, naming the concerns; with it the concerns and the reason go on the timeline.",
    )


class CheckInIn(serializers.Serializer):
    code = serializers.CharField(
        max_length=12,
        required=False,
        default="",
        allow_blank=True,
        help_text="The technician on the job: the confirmation code the merchant read out. A right code makes "
        "a verified visit, which meets the on-site milestone; a wrong one is 422 `wrong_code`, and "
        "repeated wrong codes lock check-in for the ticket for a while (429 `too_many_attempts`).",
    )
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True, default=None
    )
    longitude = serializers.DecimalField(
        max_digits=10, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True, default=None
    )
    accuracy = serializers.IntegerField(
        min_value=0, max_value=1_000_000, required=False, allow_null=True, default=None, help_text="In metres."
    )
    reason = serializers.CharField(
        max_length=500,
        required=False,
        default="",
        allow_blank=True,
        help_text="Staff, without a code: why the visit is recorded on the technician's behalf. The visit is "
        "unverified and does not meet the on-site milestone until a manager approves it.",
    )


class PartIn(serializers.Serializer):
    sku = serializers.CharField(max_length=32)
    quantity = serializers.IntegerField(min_value=1, max_value=100)


class ResolveIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=RepairReport.Outcome.choices)
    work_done = serializers.CharField(max_length=10000)
    parts = PartIn(many=True, required=False, default=list)
    labour_charge = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        default=0,
        help_text="Deprecated and ignored: an out-of-warranty repair is charged its approved quote "
        "(see the ticket's quotes); without one it is refused with 409 `quote_not_approved`.",
    )
    replacement_serial = serializers.CharField(
        max_length=64,
        required=False,
        default="",
        allow_blank=True,
        help_text="With the outcome `swapped` (and only then): the serial number of the terminal left with the "
        "merchant. It must be in stock at a warehouse the technician on the job draws from, of a model the "
        "merchant's acquirer accepts; it takes over the TID/MID and the faulty terminal goes to repair.",
    )

    warehouse = serializers.CharField(
        max_length=32,
        required=False,
        default="",
        allow_blank=True,
        help_text="Code of the warehouse the parts come from (one the resolver draws from); required with parts.",
    )


class QuoteLineOut(serializers.ModelSerializer):
    sku = serializers.CharField(source="spare_part.sku", allow_null=True, default=None)

    class Meta:
        model = QuoteLine
        fields = ["kind", "sku", "description", "unit", "quantity", "unit_price", "amount"]


class QuoteOut(serializers.ModelSerializer):
    total = serializers.DecimalField(max_digits=11, decimal_places=2, read_only=True)
    lines = QuoteLineOut(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "status",
            "parts_amount",
            "labour_amount",
            "total",
            "prices_include_tax",
            "vat_rate",
            "note",
            "lines",
            "created_at",
            "decided_at",
            "lapsed",
        ]


class QuoteLineIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuoteLine.Kind.choices)
    sku = serializers.CharField(max_length=32, required=False, default="", help_text="A part line's spare part.")
    quantity = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0.01"))
    unit_price = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="Managers only; left out, the part's list price or the labour rate.",
    )
    description = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class QuoteIn(serializers.Serializer):
    lines = QuoteLineIn(many=True, min_length=1, max_length=20)
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class QuoteDecisionIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("decline", "decline")])


class LoanOut(serializers.Serializer):
    loaner = serializers.CharField(source="loaner.serial_number", help_text="The loaner's serial number.")
    own_device = serializers.CharField(
        source="own_device.serial_number", help_text="The merchant's own terminal, at the depot while the loan is out."
    )
    lent_at = serializers.DateTimeField()
    returned_at = serializers.DateTimeField(allow_null=True)


class LendIn(serializers.Serializer):
    serial = serializers.CharField(
        max_length=64,
        help_text="The loaner's serial number: a terminal in stock (for a technician, at their warehouses).",
    )
