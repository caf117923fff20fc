from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.models import Merchant, Region
from accounts.scoping import is_staff_actor, visible_to
from api.pagination import cursor_page
from api.views import ApiView
from devices import selectors, services
from devices.api.serializers import (
    DeviceFilter,
    DeviceIn,
    DeviceMovementOut,
    DeviceOut,
    WarrantyOut,
    WarrantyQuery,
)
from devices.models import Device, DeviceModel
from possystem.errors import ActionNotAllowed, InvalidInput
from warranty.services import warranty_decide

# The path takes every stored serial number (devices.converters); the schema documents the ones
# registered today (devices.validators), which is what a client generates addresses from.
SERIAL_NUMBER_PATH = OpenApiParameter(
    "serial_number", str, OpenApiParameter.PATH, pattern=r"^[-A-Za-z0-9_.]{1,64}$", required=True
)


def device_or_404(actor, serial_number: str) -> Device:
    try:
        return selectors.device_get(actor=actor, serial_number=serial_number)
    except Device.DoesNotExist as error:
        raise NotFound() from error


class DeviceListCreate(ApiView):
    pagination_class = cursor_page("serial_number")

    @extend_schema(
        operation_id="devices_list", parameters=[DeviceFilter], responses=DeviceOut(many=True), tags=["devices"]
    )
    def get(self, request):
        filters = self.parse(DeviceFilter, request.query_params)
        query = filters
        devices = selectors.device_list(
            actor=request.user,
            search=query.get("search", ""),
            status=query.get("status", ""),
            merchant_id=query.get("merchant"),
        )
        if "model" in query:
            devices = devices.filter(model__name=query["model"])
        return self.paginate(devices, DeviceOut)

    @extend_schema(
        operation_id="devices_create",
        request=DeviceIn,
        responses={201: DeviceOut},
        tags=["devices"],
        examples=[
            OpenApiExample(
                "A terminal deployed at a merchant",
                value={
                    "serial_number": "PAX-A920-1234",
                    "model": "A920",
                    "merchant": 1,
                    "activated_on": "2026-03-01",
                    "tid": "10001234",
                    "mid": "898310000000001",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = self.parse(DeviceIn, request.data)
        fields = dict(data)
        actor = request.user
        if not is_staff_actor(actor) and actor.role != "partner":
            raise ActionNotAllowed(_("Only partners and staff can register terminals."))
        fields["model"] = DeviceModel.objects.filter(name=fields["model"]).first() or _unknown("model")
        merchant_id = fields.pop("merchant", None)
        if merchant_id is not None:
            fields["merchant"] = visible_to(Merchant.objects.all(), actor).filter(pk=merchant_id).first() or _unknown(
                "merchant"
            )
        elif not is_staff_actor(actor):
            raise InvalidInput({"merchant": [_("Name the merchant the terminal is deployed at.")]})
        else:
            fields["merchant"] = None
        if "region" in fields:
            fields["region"] = Region.objects.filter(code=fields["region"]).first() or _unknown("region")
        # A partner registering a terminal is its acquirer: the TID is unique among that partner's.
        fields["acquirer"] = actor.partner if actor.role == "partner" else None
        device = services.device_register(by=actor, **fields)
        return Response(DeviceOut(device_or_404(actor, device.serial_number)).data, status=status.HTTP_201_CREATED)


def _unknown(field: str):
    messages = {
        "model": _("No device model has this name."),
        "merchant": _("No merchant with this id is visible to you."),
        "region": _("No region has this code."),
    }
    raise InvalidInput({field: [messages[field]]})


class DeviceDetail(ApiView):
    @extend_schema(
        operation_id="devices_retrieve", parameters=[SERIAL_NUMBER_PATH], responses=DeviceOut, tags=["devices"]
    )
    def get(self, request, serial_number: str):
        return Response(DeviceOut(device_or_404(request.user, serial_number)).data)


class DeviceWarranty(ApiView):
    @extend_schema(
        operation_id="devices_warranty",
        parameters=[SERIAL_NUMBER_PATH, WarrantyQuery],
        responses=WarrantyOut,
        tags=["devices"],
        examples=[
            OpenApiExample(
                "In warranty",
                value={
                    "covered": True,
                    "policy": "Manufacturer warranty 12 months",
                    "starts_on": "2026-03-01",
                    "ends_on": "2027-02-28",
                    "reason": "In warranty until 2027-02-28; the repair is free.",
                    "reason_code": "in_warranty",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, serial_number: str):
        query = self.parse(WarrantyQuery, request.query_params)
        device = device_or_404(request.user, serial_number)
        decision = warranty_decide(device=device, on=query.get("on"), fault_category=query.get("fault_category"))
        return Response(
            WarrantyOut(
                {
                    "covered": decision.covered,
                    "policy": decision.policy.name if decision.policy else None,
                    "starts_on": decision.starts_on,
                    "ends_on": decision.ends_on,
                    "reason": decision.reason,
                    "reason_code": decision.reason_code,
                }
            ).data
        )


class DeviceMovements(ApiView):
    """A terminal's lifecycle, newest first: received into stock, deployed, swapped, lent, sent for
    repair, back in stock, scrapped. A partner sees the moves made while the terminal was at one of
    its merchants."""

    pagination_class = cursor_page("-at", "-pk")

    @extend_schema(
        operation_id="devices_movements",
        parameters=[SERIAL_NUMBER_PATH],
        responses=DeviceMovementOut(many=True),
        tags=["devices"],
    )
    def get(self, request, serial_number: str):
        device = device_or_404(request.user, serial_number)
        return self.paginate(selectors.device_movements(actor=request.user, device=device), DeviceMovementOut)
