"""Engine and sessions.

``CHECKPOST_DB_URL`` selects the database (any SQLAlchemy URL, e.g.
``postgresql+psycopg://user@host/checkpost``); otherwise a SQLite file
``checkpost.sqlite`` under ``CHECKPOST_DATA_DIR`` (default ``./data``), created
on first use.  The schema is brought to the latest Alembic revision the first
time an engine is made for a URL in this process.

SQLite files run in WAL mode (readers never wait for a writer) with a busy
timeout; :func:`run_write` runs one short write transaction, taking SQLite's
write lock up front and retrying cleanly when the database stays locked.
"""
from __future__ import annotations

import os
import random
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000
WRITE_ATTEMPTS = 6

STORE_DIR = Path(__file__).resolve().parent
_ENGINES: dict[str, Engine] = {}


def data_dir() -> Path:
    """The data directory (created if missing)."""
    path = Path(os.environ.get("CHECKPOST_DATA_DIR", "data")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    url = os.environ.get("CHECKPOST_DB_URL")
    if url:
        return url
    return f"sqlite:///{(data_dir() / 'checkpost.sqlite').resolve()}"


def alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(STORE_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(STORE_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision``."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the database behind ``engine`` to ``revision`` ("base" removes every table)."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode")
    if cursor.fetchone()[0].lower() not in ("wal", "memory"):
        # WAL lets sign-ins and map reads go on while an import writes.
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode; fewer fsyncs per commit
    cursor.close()


def get_engine(url: str | None = None, *, upgrade: bool = True) -> Engine:
    """The engine for ``url`` (default: CHECKPOST_DB_URL or the SQLite file), migrated to head once."""
    url = url or database_url()
    engine = _ENGINES.get(url)
    if engine is None:
        engine = create_engine(url, future=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            database = engine.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        if upgrade:
            migrate(engine)
        _ENGINES[url] = engine
    return engine


def reset_engines() -> None:
    """Forget cached engines (tests switch databases through the environment)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def _retryable(error: Exception) -> bool:
    """Locks that clear by themselves (SQLite busy, PostgreSQL deadlock/serialisation) and
    unique-key races between two imports of the same records: the transaction may simply run again."""
    if isinstance(error, IntegrityError):
        return "content_hash" in str(error.orig) or "unique" in str(error.orig).lower()
    text = str(getattr(error, "orig", error)).lower()
    return any(word in text for word in ("locked", "busy", "deadlock", "could not serialize"))


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction; on SQLite the write lock is taken at BEGIN (so no read-then-write
    upgrade can fail half-way), waiting up to the busy timeout for another writer."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
            return
        with connection.begin():
            yield connection


def run_write(engine: Engine, work: Callable[[Connection], T], *, attempts: int = WRITE_ATTEMPTS) -> T:
    """Run ``work(connection)`` in one short write transaction, retrying on transient locks.

    Each attempt is rolled back whole before the next, so a retry never doubles a write.
    """
    for attempt in range(1, attempts + 1):
        try:
            with write_transaction(engine) as connection:
                return work(connection)
        except (OperationalError, IntegrityError) as error:
            if attempt == attempts or not _retryable(error):
                raise
            time.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")


@contextmanager
def session_scope(session: Session | None = None, engine: Engine | None = None) -> Iterator[Session]:
    """Use ``session`` as is (the caller owns its transaction), or open one that commits on success."""
    if session is not None:
        yield session
        return
    with Session(engine or get_engine(), expire_on_commit=False) as own:
        with own.begin():
            yield own
