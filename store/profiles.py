"""Column-mapping profiles saved in the database: who made each one, when, for which columns.

    >>> from store.profiles import save_profile, get_profile, profiles_for
    >>> save_profile("unhcr-quetta", {"date": "Tareekh", "persons": "Afraad"}, headers, user="amina")
    >>> read_intercepts("next_month.xlsx", profile=get_profile("unhcr-quetta"))
    >>> profiles_for(headers)        # stored and shipped profiles that fit a file with these columns

Profiles come back as :class:`geodata.ingest_profiles.Profile`, the same objects the shipped ones are.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from geodata.ingest_mapping import FIELDS, MappingError, signature
from geodata.ingest_profiles import Profile, matching_profiles, shipped_profiles
from store.audit import log as audit_log
from store.db import session_scope
from store.models import MappingProfile, as_utc


def _as_profile(row: MappingProfile) -> Profile:
    created = as_utc(row.created_at)
    return Profile(row.name, json.loads(row.columns_json), row.description or "", (), "store",
                   row.created_by, created.isoformat() if created else None, tuple(json.loads(row.headers_json)))


def save_profile(name: str, columns: dict[str, str], headers: list[str], user: str, *, description: str = "",
                 replace: bool = False, session: Session | None = None, engine: Engine | None = None) -> Profile:
    """Save a mapping ``{field: column}`` under ``name`` (audit-logged).

    Raises
    ------
    MappingError
        When the name is empty or taken by a shipped profile, a field is unknown, a column is not in
        ``headers``, or the name exists and ``replace`` is False.
    """
    name = str(name or "").strip()
    if not name or not user:
        raise MappingError("a profile needs a name and the user who saves it")
    if name in {p.name for p in shipped_profiles()}:
        raise MappingError(f"'{name}' is a shipped profile; choose another name")
    columns = {f: c for f, c in columns.items() if c}
    bad_fields = [f for f in columns if f not in FIELDS]
    bad_columns = [c for c in columns.values() if c not in headers]
    if bad_fields or bad_columns or not columns:
        raise MappingError(f"profile '{name}': unknown fields {bad_fields} or columns not in the file {bad_columns}")
    with session_scope(session, engine) as active:
        row = active.scalar(select(MappingProfile).where(MappingProfile.name == name))
        if row is not None and not replace:
            raise MappingError(f"a profile named '{name}' already exists (made by {row.created_by}); "
                               "choose another name or replace it")
        if row is None:
            row = MappingProfile(name=name)
            active.add(row)
        row.description, row.created_by = description, str(user)
        row.columns_json = json.dumps(columns, ensure_ascii=False)
        row.headers_json = json.dumps(list(headers), ensure_ascii=False)
        row.signature = signature(headers)
        row.created_at = dt.datetime.now(dt.timezone.utc)   # a replaced profile is re-made: new who and when
        active.flush()
        audit_log(str(user), "save_mapping_profile", {"name": name, "columns": columns}, session=active)
        return _as_profile(row)


def get_profile(name: str, *, session: Session | None = None, engine: Engine | None = None) -> Profile:
    """A stored profile by name, else a shipped one.

    Raises
    ------
    MappingError
        When neither exists.
    """
    with session_scope(session, engine) as active:
        row = active.scalar(select(MappingProfile).where(MappingProfile.name == name))
        if row is not None:
            return _as_profile(row)
    from geodata.ingest_profiles import load_profile

    return load_profile(name)


def list_profiles(*, session: Session | None = None, engine: Engine | None = None) -> list[Profile]:
    """Stored profiles, oldest first."""
    with session_scope(session, engine) as active:
        return [_as_profile(row) for row in active.scalars(select(MappingProfile).order_by(MappingProfile.id))]


def profiles_for(headers: list[str], *, session: Session | None = None,
                 engine: Engine | None = None) -> list[Profile]:
    """Profiles to offer for a file: stored ones made for the same columns first, then any that fit."""
    stored = list_profiles(session=session, engine=engine)
    same = [p for p in stored if signature(list(p.headers)) == signature(headers)]
    others = [p for p in matching_profiles(headers, [p for p in stored if p not in same])]
    return same + [p for p in others if p not in same]
