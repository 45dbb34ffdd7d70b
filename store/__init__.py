"""Persistence for Checkpost: intercept records, import batches, plans, users, audit log.

SQLAlchemy 2 over SQLite by default (``$CHECKPOST_DATA_DIR/checkpost.sqlite``), any other
database by ``CHECKPOST_DB_URL``; schema migrations with Alembic (``store/alembic.ini``).
Modules: store.db (engine, sessions), store.models (tables), store.records (imports and map
queries), store.plans, store.users, store.audit.
"""
from store.db import database_url, get_engine, session_scope  # noqa: F401
