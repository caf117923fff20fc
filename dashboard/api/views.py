from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from accounts.scoping import is_staff_actor
from api.views import ApiView
from dashboard.api.serializers import SummaryInput, SummaryOutput
from dashboard.figures import summary_figure
from dashboard.filters import View


class SeesSummary(BasePermission):
    """Staff see every merchant's figures; a partner (key or session) those of its own merchants."""

    def has_permission(self, request, view):
        return is_staff_actor(request.user) or getattr(request.user, "role", None) == "partner"


class SummaryView(ApiView):
    permission_classes = [IsAuthenticated, SeesSummary]

    @extend_schema(
        operation_id="sla_summary",
        parameters=[SummaryInput],
        responses=SummaryOutput,
        summary="SLA compliance and service figures for tickets filed in the last N days (a partner's own merchants)",
        tags=["sla"],
    )
    def get(self, request):
        params = self.parse(SummaryInput, request.query_params)
        # The last N local days, today included: for 7, 30, 90 and 365 the dashboard's presets.
        view = View.for_days(params["days"], actor=request.user)
        return Response(SummaryOutput(summary_figure(view)).data)
