"""The one error shape of the API and its OpenAPI description.

Every error response, whatever raised it, is ``{"error": {"code", "message", "details"}}``;
routers declare the statuses they can answer with ``responses=error_responses(401, 404, ...)``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`.")
    message: str = Field(description="Human-readable explanation.")
    details: Any = Field(
        None,
        description="More about the error; for validation errors a list of "
        '`{"field": "body.password", "reason": "..."}`.',
    )


class ErrorResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"error": {"code": "not_found", "message": "no such user", "details": None}}
            ]
        }
    )

    error: ErrorBody


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not signed in, or the access token is invalid, expired or revoked",
    403: "Not allowed for this account",
    404: "Not found (also for objects of other users)",
    409: "Conflicts with the current state",
    412: "The object changed since it was read (`If-Match`)",
    413: "Request body too large",
    422: "Invalid input; `details` names each field",
    429: "Rate limited; see `Retry-After`",
    503: "A dependency is unavailable",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for ``statuses``, all with :class:`ErrorResponse`."""
    return {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS.get(status, "Error")}
        for status in statuses
    }
