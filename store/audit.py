"""Append-only audit log: who did what, when.

    >>> from store.audit import log, entries
    >>> log("planner1", "save_plan", {"name": "Makran coast", "version": 3})
"""
from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from store.db import session_scope
from store.locks import retry_when_locked
from store.models import AuditEntry, as_utc


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, _context, _instances):
    for entry in list(session.dirty) + list(session.deleted):
        if isinstance(entry, AuditEntry):
            raise AuditLogIsAppendOnly(f"audit entry {entry.id} cannot be changed or deleted")


def log(actor: str, action: str, detail=None, *, session: Session | None = None,
        engine: Engine | None = None) -> int:
    """Append an entry; ``detail`` is any JSON-serialisable value.  Returns the entry id."""
    if not actor or not action:
        raise ValueError("audit.log needs an actor and an action")
    text = None if detail is None else json.dumps(detail, default=str, ensure_ascii=False, sort_keys=True)

    def write() -> int:
        with session_scope(session, engine) as active:
            entry = AuditEntry(actor=str(actor)[:64], action=str(action)[:64], detail=text)
            active.add(entry)
            active.flush()
            return entry.id

    # Every attempt must be recorded: an entry that meets another writer's lock is retried
    # (only in its own transaction; inside the caller's session the caller decides).
    return write() if session is not None else retry_when_locked(write)


def unlocks_since(since, *, session: Session | None = None, engine: Engine | None = None) -> set[str]:
    """User names (lower case) an admin unlocked for sign-in at or after ``since`` (a UTC datetime)."""
    with session_scope(session, engine) as active:
        details = active.scalars(select(AuditEntry.detail).where(AuditEntry.action == "unlock_user",
                                                                AuditEntry.at >= since)).all()
    names = set()
    for text in details:
        detail = json.loads(text) if text else {}
        if isinstance(detail, dict) and detail.get("username"):
            names.add(str(detail["username"]).strip().lower())
    return names


def entries(actor: str | None = None, action: str | None = None, limit: int | None = None, *,
            session: Session | None = None, engine: Engine | None = None) -> pd.DataFrame:
    """Audit entries, newest first, with ``detail`` decoded from JSON."""
    with session_scope(session, engine) as active:
        statement = select(AuditEntry).order_by(AuditEntry.id.desc())
        if actor:
            statement = statement.where(AuditEntry.actor == actor)
        if action:
            statement = statement.where(AuditEntry.action == action)
        if limit:
            statement = statement.limit(limit)
        rows = [{"id": e.id, "at": as_utc(e.at), "actor": e.actor, "action": e.action,
                 "detail": json.loads(e.detail) if e.detail else None}
                for e in active.scalars(statement)]
    return pd.DataFrame(rows, columns=["id", "at", "actor", "action", "detail"])
