"""Retry a short write that met another writer's lock ("database is locked" on SQLite).

SQLite lets one process write at a time; a busy timeout makes the others wait, but a transaction that
read first and then wants to write can still be refused at once, and a long wait ends in
``OperationalError: database is locked``.  A few retries with a growing pause let the write through
once the other finishes; each retry is a fresh transaction, so it sees what the other wrote.
"""
from __future__ import annotations

import time
from typing import Callable, TypeVar

from sqlalchemy.exc import OperationalError

T = TypeVar("T")
RETRIES = 5
WAIT_S = 0.2


def is_lock_error(error: OperationalError) -> bool:
    """True for SQLite's "database is locked" / "database table is locked" / busy errors."""
    text = str(getattr(error, "orig", error)).lower()
    return "locked" in text or "busy" in text


def retry_when_locked(write: Callable[[], T], *, retries: int | None = None, wait_s: float | None = None) -> T:
    """``write()``, retried up to ``retries`` times while it fails with a lock error.

    Parameters
    ----------
    write : callable
        Runs one whole transaction (it must open and commit its own session).
    retries : int, optional
        Further attempts after the first (default ``RETRIES``).
    wait_s : float, optional
        Pause before the first retry, growing linearly (default ``WAIT_S``).

    Returns
    -------
    What ``write`` returns.  Other errors, and the last lock error, are raised.
    """
    retries = RETRIES if retries is None else retries
    wait_s = WAIT_S if wait_s is None else wait_s
    for attempt in range(retries):
        try:
            return write()
        except OperationalError as error:
            if not is_lock_error(error):
                raise
            time.sleep(wait_s * (attempt + 1))
    return write()
