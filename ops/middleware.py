import time

from ops.metrics import REQUEST_LATENCY


class RequestLatencyMiddleware:
    """Times every request, labelled with the URL name of the view that answered it. Requests no
    URL matched share one label, so a scan of random addresses cannot grow the number of series."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None and match.view_name else "unmatched"
        REQUEST_LATENCY.labels(view, request.method, str(response.status_code)).observe(time.perf_counter() - started)
        return response
