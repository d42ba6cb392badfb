"""Request and response bodies of the accounts API.

Request models forbid unknown fields (``{"role": "admin"}`` in a registration is a 422, never
silently ignored). No response model has a field for a password hash, token hash or token version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic.config import JsonDict

from wickwatch.accounts.passwords import MAX_LENGTH, MIN_LENGTH, password_problem

Role = Literal["admin", "user"]
Email = Annotated[EmailStr, Field(max_length=320), AfterValidator(lambda v: v.lower())]
NewPassword = Annotated[
    str,
    Field(
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
        description=f"{MIN_LENGTH} to {MAX_LENGTH} characters, not a common password.",
    ),
]
Locale = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$", examples=["en", "ru"])]
DisplayName = Annotated[str, Field(min_length=1, max_length=120)]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


def _check_password(password: str, info: ValidationInfo) -> str:
    email = info.data.get("email")
    problem = password_problem(password, email if isinstance(email, str) else None)
    if problem:
        raise ValueError(f"password {problem}")
    return password


# --- users ---------------------------------------------------------------------------------

_USER_EXAMPLE: JsonDict = {
    "id": 1,
    "email": "ada@example.com",
    "role": "user",
    "is_active": True,
    "display_name": "Ada",
    "locale": "en",
    "created_at": "2026-01-02T03:04:05Z",
    "last_login_at": None,
}


class UserPublic(BaseModel):
    """An account as its owner and admins see it."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [_USER_EXAMPLE]},
    )

    id: int
    email: str
    role: Role
    is_active: bool
    display_name: str | None
    locale: str
    created_at: datetime
    last_login_at: datetime | None


class UserRegister(RequestModel):
    """Sign-up; ``invite_code`` is required when registration is by invite."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@example.com",
                    "password": "correct horse battery staple",
                    "display_name": "Ada",
                    "invite_code": "wwi_Zm9vYmFyYmF6cXV4cXV1eA",
                }
            ]
        }
    )

    email: Email
    password: NewPassword
    display_name: DisplayName | None = None
    invite_code: str | None = Field(None, min_length=1, max_length=128)

    _password = field_validator("password")(_check_password)


class UserCreate(RequestModel):
    """An account created by an admin."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"email": "bob@example.com", "password": "a long passphrase here", "role": "user"}
            ]
        }
    )

    email: Email
    password: NewPassword
    role: Role = "user"
    display_name: DisplayName | None = None

    _password = field_validator("password")(_check_password)


class ProfileUpdate(RequestModel):
    """Fields an account owner may change themselves."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"display_name": "Ada L."}]})

    display_name: DisplayName | None = None
    locale: Locale | None = None


class UserUpdate(RequestModel):
    """Fields an admin may change; disabling ends every session of the account."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"is_active": False}]})

    role: Role | None = None
    is_active: bool | None = None
    display_name: DisplayName | None = None


class PasswordChange(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"current_password": "old long passphrase", "new_password": "new long passphrase"}
            ]
        }
    )

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: NewPassword

    @field_validator("new_password")
    @classmethod
    def _strong(cls, value: str) -> str:
        problem = password_problem(value)
        if problem:
            raise ValueError(f"password {problem}")
        return value


# --- tokens --------------------------------------------------------------------------------


class LoginRequest(RequestModel):
    """``refresh_in``: ``cookie`` (browsers: an httpOnly cookie plus a CSRF token) or ``body``
    (API clients: the refresh token in the response)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"email": "ada@example.com", "password": "correct horse battery staple"},
                {"email": "bot@example.com", "password": "a long passphrase", "refresh_in": "body"},
            ]
        }
    )

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    refresh_in: Literal["cookie", "body"] = "cookie"


class RefreshRequest(RequestModel):
    """Without ``refresh_token`` the cookie is used (and the ``X-CSRF-Token`` header required)."""

    refresh_token: str | None = Field(None, min_length=1, max_length=200)


class TokenResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.x",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "expires_at": "2026-01-02T03:19:05Z",
                    "refresh_token": None,
                    "refresh_expires_at": "2026-02-01T03:04:05Z",
                    "csrf_token": "q1b2c3...",
                    "user": _USER_EXAMPLE,
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    expires_at: datetime
    refresh_token: str | None = Field(
        description="Only when `refresh_in` was `body`; otherwise it is in an httpOnly cookie."
    )
    refresh_expires_at: datetime
    csrf_token: str | None = Field(
        description="With cookie refresh: send it as `X-CSRF-Token` to refresh and log out."
    )
    user: UserPublic


class SessionPublic(BaseModel):
    """A sign-in of the account (one device or client)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip: str | None
    current: bool = False


# --- invites -------------------------------------------------------------------------------


class InviteCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "new@example.com", "note": "for Carol"}]}
    )

    email: Email | None = Field(None, description="Only this address may use the code.")
    role: Role = "user"
    note: str | None = Field(None, max_length=200)
    expires_in_s: int = Field(7 * 86_400, ge=60, le=90 * 86_400)


class InvitePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str | None
    role: Role
    note: str | None
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: int | None


class InviteCreated(InvitePublic):
    code: str = Field(description="The invite code; shown only once, only its hash is kept.")
