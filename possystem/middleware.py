"""Refusals at the edge, before any view, form or query sees the request, and headers every answer
carries.

`RequestGuardMiddleware` answers what no view can handle well with a clear 4xx in the caller's
language: a problem document (RFC 9457) under /api/, a page elsewhere.

- A NUL character (%00) anywhere in the address, the query, a form field or a cookie. PostgreSQL
  cannot store or compare it, so it would fail deep inside a query; no field of ours accepts it.
  In the address it is a 404 (no such page); elsewhere a 400 that names the fields.
- A body larger than the site accepts (`REQUEST_MAX_BYTES` for pages, `API_REQUEST_MAX_BYTES` for
  the API) is a 413, decided from the declared Content-Length before the body is read, so five
  oversized photos are not read whole only to be refused.
- A form body Django cannot read (too many fields, a broken multipart body) is a 400.

`NoStoreMiddleware` marks every answer of the application itself `Cache-Control: no-store` unless
the view chose its own caching: pages and API answers carry merchants' names and phone numbers,
which no shared or browser cache should keep. Static files are answered earlier by whitenoise,
with their own long-lived caching.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from possystem.problems import problem_response

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def body_limit(request) -> int:
    return settings.API_REQUEST_MAX_BYTES if is_api(request) else settings.REQUEST_MAX_BYTES


def declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def fields_with_nul(data) -> list[str]:
    """Names of the fields of a QueryDict (or a dict of cookies) whose name or a value holds a NUL."""
    found = []
    for name in data:
        values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
        if NUL in name or any(isinstance(value, str) and NUL in value for value in values):
            found.append(name.replace(NUL, "\\0"))
    return found


def refusal(request, *, status: int, code: str, title: str, detail: str, errors: dict | None = None):
    """A 4xx answer: a problem document for the API, a page for people."""
    if is_api(request):
        return problem_response(request, status_code=status, code=code, detail=detail, errors=errors)
    return render(request, "refused.html", {"title": title, "detail": detail}, status=status)


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.check(request) or self.get_response(request)

    def check(self, request):
        if NUL in request.path_info:
            if is_api(request):
                return problem_response(
                    request, status_code=404, code="not_found", detail=_("There is nothing at this address.")
                )
            raise Http404
        limit = body_limit(request)
        if declared_length(request) > limit:
            return self.too_large(request, limit)
        try:
            bad = fields_with_nul(request.GET) + fields_with_nul(request.COOKIES)
            if request.method == "POST" and request.content_type in FORM_TYPES:
                bad += fields_with_nul(request.POST)
        except RequestDataTooBig:
            return self.too_large(request, limit)
        except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError, SuspiciousOperation):
            return refusal(
                request,
                status=400,
                code="unreadable_form",
                title=_("This request cannot be accepted"),
                detail=_("The form could not be read. Reload the page and send it again."),
            )
        if bad:
            message = _("A NUL character (%00) is not allowed here. Remove it and send again.")
            return refusal(
                request,
                status=400,
                code="invalid_character",
                title=_("This request cannot be accepted"),
                detail=message,
                errors={name: [message] for name in bad},
            )
        return None

    @staticmethod
    def too_large(request, limit: int):
        if is_api(request):
            detail = _("The body is larger than %(limit)s.") % {"limit": filesizeformat(limit)}
        else:
            detail = _("Send at most %(limit)s at once: up to %(count)d photos of %(size)s each.") % {
                "limit": filesizeformat(limit),
                "count": settings.TICKET_PHOTO_MAX_COUNT,
                "size": filesizeformat(settings.TICKET_PHOTO_MAX_BYTES),
            }
        return refusal(request, status=413, code="too_large", title=_("The request is too large"), detail=detail)


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True)
        return response
