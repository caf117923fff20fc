"""OpenAPI: the API-key security scheme, and problem-details answers on every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.problems import PROBLEM_CONTENT_TYPE


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Authorization: Api-Key <key>`; an admin creates keys with `manage.py create_api_key`.",
        }


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem; `errors` maps each field at fault to its messages.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["type", "title", "status", "detail", "code"],
    "example": {
        "type": "urn:possystem:problem:invalid_input",
        "title": "The request cannot be processed as it stands.",
        "status": 422,
        "detail": "Enter a mainland China mobile number, e.g. 138 0013 8000.",
        "instance": "/api/v1/tickets/",
        "code": "invalid_input",
        "errors": {"contact_phone": ["Enter a mainland China mobile number, e.g. 138 0013 8000."]},
    },
}

DESCRIPTIONS = {
    "400": "Malformed or too deeply nested JSON, an invalid cursor, or invalid query parameters or headers",
    "401": "No valid API key or session",
    "403": "Not allowed for this caller",
    "404": "Not found, or not visible to this caller",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "409": "Conflicts with the current state (e.g. the ticket moved on, or a retry is still running)",
    "413": "The body is larger than the API accepts (1 MB)",
    "415": "Unsupported media type",
    "422": "Fields at fault (see `errors`), or an Idempotency-Key reused with another body",
    "429": "Too many requests; retry after `Retry-After` seconds",
    "500": "Server error",
}


def _problem(code: str) -> dict:
    response = {
        "description": DESCRIPTIONS[code],
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if code == "429":
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}}
    return response


def add_problems(result, generator, request, public):
    """Postprocessing hook: every operation documents its problem answers; POSTs their Idempotency-Key."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = ["400", "401", "403", "405", "406", "429", "500"]
            if "{" in path or method == "get":
                codes.append("404")  # an unknown object, or an unknown address
            if method in {"post", "patch", "put", "delete"}:
                codes += ["404", "409", "413", "415", "422"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, _problem(code))
            if method == "post":
                operation.setdefault("parameters", []).append(
                    {
                        "in": "header",
                        "name": IDEMPOTENCY_HEADER,
                        "required": False,
                        "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
                        "description": "Any unique string (a UUID). A retry with the same key and body replays "
                        "the first answer and does nothing new; keys are kept 24 hours.",
                    }
                )
    return result
