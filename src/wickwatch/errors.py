"""One error base for the whole product; the API renders every one the same way.

Services raise these; status codes are chosen here, once, and the API's handler turns them into
``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

from typing import Any


class WickwatchError(Exception):
    """An expected failure with a status code for the API and a stable machine-readable code."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(WickwatchError):
    status_code = 404
    code = "not_found"


class Conflict(WickwatchError):
    status_code = 409
    code = "conflict"


class ServiceUnavailable(WickwatchError):
    status_code = 503
    code = "service_unavailable"
