from drf_spectacular.utils import extend_schema

from api.pagination import cursor_page
from api.views import ApiView
from technicians.api.selectors import technician_list
from technicians.api.serializers import TechnicianFilter, TechnicianOut


class TechnicianList(ApiView):
    pagination_class = cursor_page("pk")

    @extend_schema(
        operation_id="technicians_list",
        parameters=[TechnicianFilter],
        responses=TechnicianOut(many=True),
        tags=["technicians"],
        description="For staff: who can be assigned, with open jobs against capacity.",
    )
    def get(self, request):
        filters = self.parse(TechnicianFilter, request.query_params)
        return self.paginate(technician_list(actor=request.user, **filters), TechnicianOut)
