"""RFC 9457 problem details (`application/problem+json`): the shape of every API error, in the
caller's language. `api.problems` turns exceptions into them; the edge middleware
(`possystem.middleware`) answers with them before the API is reached."""

from django.http import JsonResponse
from django.utils.translation import gettext as _

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:possystem:problem:"


def _title(status_code: int) -> str:
    titles = {
        400: _("The request is malformed or has invalid fields."),
        401: _("Authentication is required."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        406: _("No acceptable representation."),
        409: _("The request conflicts with the current state."),
        413: _("The request is too large."),
        415: _("Unsupported media type."),
        422: _("The request cannot be processed as it stands."),
        429: _("Too many requests."),
    }
    return titles.get(status_code, _("The request cannot be carried out."))


def problem(*, status_code: int, code: str, detail: str, errors: dict | None = None, instance: str = "") -> dict:
    body = {
        "type": f"{TYPE_PREFIX}{code}",
        "title": _title(status_code) if status_code < 500 else _("Something went wrong on our side."),
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def problem_response(request, *, status_code: int, code: str, detail: str, errors: dict | None = None):
    """A problem as a plain Django response, for answers given outside DRF."""
    body = problem(status_code=status_code, code=code, detail=detail, errors=errors, instance=request.path)
    return JsonResponse(
        body, status=status_code, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )
