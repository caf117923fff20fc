"""The base of every API view: authentication, throttling and problem details come from settings;
this adds the Idempotency-Key handling around every POST."""

from rest_framework.views import APIView

from api import idempotency


class ApiView(APIView):
    def dispatch(self, request, *args, **kwargs):
        # DRF's APIView.dispatch, with the POST handler run under its Idempotency-Key so that the
        # finished (rendered) response is what a retry replays.
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            method = request.method.lower()
            handler = getattr(self, method, None) if method in self.http_method_names else None
            handler = handler or self.http_method_not_allowed
            if method == "post" and handler != self.http_method_not_allowed:
                response = idempotency.run(request, lambda: self._respond(handler, request, *args, **kwargs))
            else:
                response = self._respond(handler, request, *args, **kwargs)
        except Exception as exc:
            response = self.finalize_response(request, self.handle_exception(exc), *args, **kwargs)
        self.response = response
        return response

    def _respond(self, handler, request, *args, **kwargs):
        try:
            response = handler(request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        response = self.finalize_response(request, response, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        return response

    @staticmethod
    def parse(serializer_class, data, **kwargs) -> dict:
        """The validated input, or a ValidationError the exception handler turns into a problem
        (422 for a body's fields, 400 for query parameters)."""
        serializer = serializer_class(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def paginate(self, queryset, serializer_class, **context):
        """One page of `queryset` through `pagination_class`, as DRF's paginated response."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        data = serializer_class(page, many=True, context={"request": self.request, **context}).data
        return paginator.get_paginated_response(data)
