"""Persistence: engines and sessions, column types, tables and Alembic migrations."""

from wickwatch.storage.database import create_engine, create_sessionmaker

__all__ = ["create_engine", "create_sessionmaker"]
