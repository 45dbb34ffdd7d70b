"""Engine and sessions.

``CHECKPOST_DB_URL`` selects the database (any SQLAlchemy URL, e.g.
``postgresql+psycopg://user@host/checkpost``); otherwise a SQLite file
``checkpost.sqlite`` under ``CHECKPOST_DATA_DIR`` (default ``./data``), created
on first use.  The schema is brought to the latest Alembic revision the first
time an engine is made for a URL in this process.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

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
    cursor.execute("PRAGMA busy_timeout=10000")
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


@contextmanager
def session_scope(session: Session | None = None, engine: Engine | None = None) -> Iterator[Session]:
    """Use ``session`` as is (the caller owns its transaction), or open one that commits on success."""
    if session is not None:
        yield session
        return
    with Session(engine or get_engine(), expire_on_commit=False) as own:
        with own.begin():
            yield own
