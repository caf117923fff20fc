from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.serializers import MerchantIn, MerchantOut
from accounts.models import Merchant, Partner, Region
from api.pagination import cursor_page
from api.views import ApiView
from possystem.errors import InvalidInput


class MerchantListCreate(ApiView):
    pagination_class = cursor_page("pk")

    @extend_schema(operation_id="merchants_list", responses=MerchantOut(many=True), tags=["merchants"])
    def get(self, request):
        return self.paginate(selectors.merchant_list(actor=request.user), MerchantOut)

    @extend_schema(
        operation_id="merchants_create",
        request=MerchantIn,
        responses={201: MerchantOut},
        tags=["merchants"],
        examples=[
            OpenApiExample(
                "A tea house",
                value={
                    "name": "莲香茶馆 Lotus Tea House",
                    "code": "lotus-tea-2",
                    "region": "shanghai",
                    "address": "上海市静安区南京西路 1266 号",
                    "contact_name": "王丽",
                    "contact_phone": "13800138000",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = self.parse(MerchantIn, request.data)
        fields = dict(data)
        if "region" in fields:
            fields["region"] = Region.objects.filter(code=fields["region"]).first() or _unknown("region")
        if "partner" in fields:
            fields["partner"] = Partner.objects.filter(pk=fields["partner"]).first() or _unknown("partner")
        merchant = services.merchant_register(by=request.user, **fields)
        return Response(MerchantOut(merchant).data, status=status.HTTP_201_CREATED)


def _unknown(field: str):
    messages = {"region": _("No region has this code."), "partner": _("No partner has this id.")}
    raise InvalidInput({field: [messages[field]]})


class MerchantDetail(ApiView):
    @extend_schema(operation_id="merchants_retrieve", responses=MerchantOut, tags=["merchants"])
    def get(self, request, id: int):
        try:
            merchant = selectors.merchant_list(actor=request.user).get(pk=id)
        except Merchant.DoesNotExist as error:
            raise NotFound() from error
        return Response(MerchantOut(merchant).data)
