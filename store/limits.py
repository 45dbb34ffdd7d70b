"""Length limits of the intercept table's text columns, checked before a row reaches the database.

PostgreSQL refuses a value longer than its VARCHAR column with a DataError and SQLite
stores it anyway; checking here gives both the same answer: the row is refused with
its reason, the rest of the import goes on.
"""
from __future__ import annotations

from sqlalchemy import String

from store.models import Intercept

# The clerk's names for the stored columns.
_LABELS = {"record_id": "id"}


def text_limits() -> dict[str, int]:
    """Stored text column -> maximum characters (from the table definition)."""
    return {column.name: column.type.length for column in Intercept.__table__.columns
            if isinstance(column.type, String) and column.type.length}


_LIMITS = text_limits()


def too_long(row: dict) -> str | None:
    """Why ``row`` cannot be stored because of a value's length, or None when every value fits."""
    reasons = []
    for name, limit in _LIMITS.items():
        value = row.get(name)
        if isinstance(value, str) and len(value) > limit:
            reasons.append(f"{_LABELS.get(name, name)} has {len(value)} characters; at most {limit} can be "
                           "stored — shorten it")
    return "; ".join(reasons) or None


def fit(text: str, limit: int) -> str:
    """``text`` cut in the middle to ``limit`` characters (for file names: both ends stay readable)."""
    if len(text) <= limit:
        return text
    keep = limit - 1
    return text[: keep - keep // 3] + "…" + text[len(text) - keep // 3:]
