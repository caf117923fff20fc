import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from accounts.scoping import is_staff_actor
from api.views import ApiView
from sla import selectors
from sla.api.serializers import SummaryInput, SummaryOutput


class IsStaffActor(BasePermission):
    """Dispatchers, managers and admins."""

    def has_permission(self, request, view):
        return is_staff_actor(request.user)


class SummaryView(ApiView):
    permission_classes = [IsAuthenticated, IsStaffActor]

    @extend_schema(
        operation_id="sla_summary",
        parameters=[SummaryInput],
        responses=SummaryOutput,
        summary="SLA compliance for tickets filed in the last N days, and the open escalations",
        tags=["sla"],
    )
    def get(self, request):
        params = self.parse(SummaryInput, request.query_params)
        until = timezone.now()
        since = until - datetime.timedelta(days=params["days"])
        return Response(SummaryOutput(selectors.sla_summary(since=since, until=until, now=until)).data)
