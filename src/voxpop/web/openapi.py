"""The OpenAPI description says every status an API operation can answer (docs/api.md, "Errors").

FastAPI documents only the success status and 422. Every /api/v1 operation can also answer the
service's error statuses (voxpop.errors.ServiceError and the middlewares): each is added here with
the one error shape, unless the route documents it itself. tests/fuzz checks the result with
schemathesis: no response status outside what its operation documents.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object", "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "a short code: unauthorized, forbidden, not_found, conflict, "
                                                    "too_large, invalid, rate_limited, unavailable"},
        "message": {"type": "string", "description": "what went wrong and what to fix"},
        "details": {"type": "array", "items": {"type": "object"},
                    "description": "one entry per bad field or line (bulk uploads)"},
    },
}

# status -> (description, only for operations that take a request body)
ERRORS: dict[str, tuple[str, bool]] = {
    "401": ("not signed in as an organiser where that is needed, a wrong password, or an invalid API token", False),
    "403": ("signed in but not allowed: another organiser's conversation, hidden results, participants may "
            "not add statements here, or a form without its CSRF token", False),
    "404": ("no such conversation, statement, place, invitation or other item", False),
    "409": ("conflicts with the current state: a closed conversation, a duplicate statement, a client_key used "
            "for another vote", False),
    "413": ("the request body is larger than this endpoint's limit (docs/api.md, Limits)", True),
    "422": ("invalid input (also malformed JSON, invalid UTF-8, a broken form): the message says what to fix", False),
    "429": ("too many requests, new participants, statements or sign-in attempts from this address or "
            "participant; Retry-After says when to try again", False),
    "503": ("the database is momentarily unavailable: send the same request again (same client_key)", False),
}


def document_errors(schema: dict[str, Any], prefix: str = "/api/") -> dict[str, Any]:
    """Add the error responses to every operation under prefix (in place); returns the schema."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path, ops in schema.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method, op in ops.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            responses = op.setdefault("responses", {})
            for status, (description, body_only) in ERRORS.items():
                if body_only and "requestBody" not in op:
                    continue
                if status == "422" or status not in responses:  # FastAPI's 422 shape is not ours
                    responses[status] = {"description": description} | ref
    return schema
