"""Errors of authentication and authorisation, rendered by the API like every other error.

They extend :class:`wickwatch.errors.WickwatchError`; ``headers`` are added to the HTTP response
(``WWW-Authenticate`` for 401, ``Retry-After`` for 429).
"""

from __future__ import annotations

import math
from typing import Any

from wickwatch.errors import WickwatchError


class Unauthorized(WickwatchError):
    """No valid credentials: missing, expired, revoked or wrong."""

    status_code = 401
    code = "unauthorized"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class Forbidden(WickwatchError):
    """Authenticated, but this action is not allowed to this account."""

    status_code = 403
    code = "forbidden"


class AccountDisabled(Forbidden):
    code = "account_disabled"


class RegistrationClosed(Forbidden):
    code = "registration_closed"


class InviteInvalid(Forbidden):
    code = "invite_invalid"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class RateLimited(WickwatchError):
    """Too many requests; ``retry_after`` seconds until the next one can succeed."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = max(1, math.ceil(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class InvalidInput(WickwatchError):
    """Input that passed the schema but breaks a rule; ``details`` names the field like a 422
    from request validation does: ``[{"field": "body.password", "reason": "..."}]``."""

    status_code = 422
    code = "validation_error"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__("invalid input", details=[{"field": field, "reason": reason}])


class EmailTaken(WickwatchError):
    status_code = 409
    code = "email_taken"
