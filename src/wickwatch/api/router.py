"""``/api/v1``: every domain's router is included here.

A domain adds its router with one line below, e.g.
``api_router.include_router(alerts.endpoints.router)``; inside, endpoints take ``CurrentUser`` /
``AdminUser`` (``wickwatch.accounts.auth``) and ``DbSession`` (``wickwatch.api.deps``).
``tests/api/test_authorization_matrix.py`` fails until each new route has a row there.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from wickwatch.accounts import endpoints as accounts
from wickwatch.admin import endpoints as admin
from wickwatch.alerts import endpoints as alerts
from wickwatch.api import stream
from wickwatch.api.responses import error_responses
from wickwatch.api.text import refuse_nul_characters
from wickwatch.channels import endpoints as channels
from wickwatch.markets import endpoints as markets
from wickwatch.pricealerts import endpoints as pricealerts
from wickwatch.stats import endpoints as stats
from wickwatch.usersettings import endpoints as usersettings

API_PREFIX = "/api/v1"

api_router = APIRouter(
    prefix=API_PREFIX,
    responses=error_responses(400, 413, 429),
    dependencies=[Depends(refuse_nul_characters)],
)
api_router.include_router(accounts.router)
api_router.include_router(accounts.admin_router)
api_router.include_router(channels.router)
api_router.include_router(usersettings.router)
api_router.include_router(stream.router)
api_router.include_router(alerts.router)
api_router.include_router(stats.router)
api_router.include_router(pricealerts.router)
api_router.include_router(markets.router)
api_router.include_router(admin.router)
