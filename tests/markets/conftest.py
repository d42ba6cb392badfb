"""The API fixtures (``env``: an app on each database backend)."""

from tests.api.conftest import env, make_env

__all__ = ["env", "make_env"]
