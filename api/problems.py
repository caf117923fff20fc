"""Errors as RFC 9457 problem details (`application/problem+json`), in the caller's language.

The one DRF exception handler: domain errors (`possystem.errors`), DRF's own exceptions and
validation errors all become `{type, title, status, detail, instance, code, errors}`, where
`errors` maps each field at fault to its messages. Nothing else reaches the client: an unexpected
exception is logged with its traceback and answered with a plain 500 problem.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from possystem.errors import DomainError
from possystem.problems import PROBLEM_CONTENT_TYPE, problem, problem_response

logger = logging.getLogger(__name__)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as `{"field": [...], "parts.0.quantity": [...]}`."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" and not prefix else f"{prefix}{key}"
            flat.update(flatten_errors(value, f"{name}."))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            flat[prefix.rstrip(".") or "non_field_errors"] = [str(item) for item in detail]
            return flat
        for index, item in enumerate(detail):
            flat.update(flatten_errors(item, f"{prefix}{index}."))
        return flat
    flat[prefix.rstrip(".") or "non_field_errors"] = [str(detail)]
    return flat


def exception_handler(exc, context):
    request = context.get("request")
    instance = request.path if request is not None else ""
    headers = {}
    if isinstance(exc, DomainError):
        body = problem(
            status_code=exc.status,
            code=exc.code,
            detail=str(exc.message),
            errors=exc.as_field_errors() if exc.field or hasattr(exc, "errors") else None,
            instance=instance,
        )
        return Response(body, status=exc.status, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, RequestDataTooBig):
        body = problem(status_code=413, code="too_large", detail=_("The request is too large."), instance=instance)
        return Response(body, status=413, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        # A well-formed body with fields at fault is 422; bad query parameters or headers are 400.
        status_code = 422 if request is not None and request.method in BODY_METHODS else 400
        status_code = getattr(exc, "status_override", None) or status_code
        body = problem(
            status_code=status_code,
            code="invalid",
            detail=_("Some fields are missing or invalid; see errors."),
            errors=flatten_errors(exc.detail),
            instance=instance,
        )
        return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        body = problem(status_code=exc.status_code, code=code, detail=str(exc.detail), instance=instance)
        return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    logger.exception("Unhandled error in the API", exc_info=exc)
    body = problem(
        status_code=500,
        code="server_error",
        detail=_("The error was recorded; please try again later."),
        instance=instance,
    )
    return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR, content_type=PROBLEM_CONTENT_TYPE)


@csrf_exempt  # it changes nothing; without this an unknown address answered a POST with the CSRF page
def not_found(request, *args, **kwargs):
    """Answers any /api/ address no route matches, as a problem like every other API error."""
    return problem_response(request, status_code=404, code="not_found", detail=_("There is nothing at this address."))
