"""Users with bcrypt password hashes and one role each (planner, commander, donor, admin).

    >>> from store.users import create_user, verify_password
    >>> create_user("amina", "long passphrase", role="planner", region="Sindh")
    >>> verify_password("amina", "long passphrase")   # -> user dict, or None
    >>> create_user("bilal", "long passphrase", role="commander", region="districts: Quetta; Pishin")

A commander's region is one province or a list of districts of the shipped layers
(geodata.admin.parse_region); it is stored in its canonical spelling.  A commander with no region
or an unknown one is refused at creation, at every change and at sign-in (:func:`valid_region`).
"""
from __future__ import annotations

import secrets

import bcrypt
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.audit import log as audit_log
from store.db import session_scope
from store.models import ROLES, User, as_utc

MIN_PASSWORD_LENGTH = 8


class UserExistsError(ValueError):
    pass


class SignInRefused(PermissionError):
    """The password was right but the account may not sign in (e.g. a commander without a valid region)."""


def normalise_region(role: str, region: str | None) -> str | None:
    """The region to store for ``role``: canonical text for a commander (ValueError when missing or
    unknown); for other roles a given region is checked the same way, and None stays None."""
    from geodata.admin import parse_region

    if role != "commander" and (region is None or not str(region).strip()):
        return None
    try:
        return parse_region(region).label
    except ValueError as error:
        raise ValueError(f"region for a {role}: {error}") from error


def valid_region(user: dict) -> str | None:
    """None when the account's region is fit for its role; otherwise the reason, fit to show the user."""
    if user.get("role") != "commander":
        return None
    try:
        normalise_region("commander", user.get("region"))
    except ValueError as error:
        return (f"This commander account cannot sign in: {error}. Ask an administrator to assign a "
                "province or districts.")
    return None


def _public(user: User) -> dict:
    return {"username": user.username, "role": user.role, "region": user.region,
            "created": as_utc(user.created), "active": user.active}


def create_user(username: str, password: str, role: str, region: str | None = None, *,
                actor: str = "system", session: Session | None = None, engine: Engine | None = None) -> dict:
    """Create a user; raises ValueError for a bad role/short password and UserExistsError for a taken name."""
    username = str(username).strip()
    if not username:
        raise ValueError("create_user: username is empty")
    if role not in ROLES:
        raise ValueError(f"create_user: role '{role}' is not one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValueError(f"create_user: password for '{username}' must have at least "
                         f"{MIN_PASSWORD_LENGTH} characters")
    if len(password.encode("utf-8")) > 72:
        raise ValueError(f"create_user: password for '{username}' is longer than bcrypt's 72 bytes")
    region = normalise_region(role, region)
    hashed = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")
    try:
        with session_scope(session, engine) as active:
            if active.scalar(select(User.id).where(User.username == username)) is not None:
                raise UserExistsError(f"user '{username}' already exists")
            user = User(username=username, password_hash=hashed, role=role, region=region, active=True)
            active.add(user)
            active.flush()
            audit_log(actor, "create_user", {"username": username, "role": role, "region": region},
                      session=active)
            return _public(user)
    except IntegrityError as error:
        raise UserExistsError(f"user '{username}' already exists") from error


# A hash nobody's password matches, checked for unknown and inactive names so that every sign-in costs
# one bcrypt check: how long the answer takes does not tell whether a name exists.
_DUMMY_HASH = bcrypt.hashpw(secrets.token_bytes(32), bcrypt.gensalt()).decode("ascii")
BCRYPT_MAX_BYTES = 72


def _password_matches(password: str | None, stored_hash: str) -> bool:
    """bcrypt check that never raises: an empty or over-long password is checked (and fails) like any other."""
    raw = str(password or "").encode("utf-8")
    too_long = len(raw) > BCRYPT_MAX_BYTES
    matches = bcrypt.checkpw(raw[:BCRYPT_MAX_BYTES], stored_hash.encode("ascii"))
    return matches and bool(raw) and not too_long


def verify_password(username: str, password: str, *, session: Session | None = None,
                    engine: Engine | None = None) -> dict | None:
    """The user's public record when the password matches an active user, else None.

    Unknown and inactive names are checked against a dummy hash, so they take as long as real ones.
    """
    with session_scope(session, engine) as active:
        user = active.scalar(select(User).where(User.username == str(username or "").strip()))
        usable = user is not None and bool(user.active)
        matches = _password_matches(password, user.password_hash if usable else _DUMMY_HASH)
        return _public(user) if usable and matches else None


def get_user(username: str, *, session: Session | None = None, engine: Engine | None = None) -> dict | None:
    with session_scope(session, engine) as active:
        user = active.scalar(select(User).where(User.username == str(username).strip()))
        return None if user is None else _public(user)


def list_users(*, session: Session | None = None, engine: Engine | None = None) -> pd.DataFrame:
    """All users without their password hashes."""
    with session_scope(session, engine) as active:
        rows = [_public(user) for user in active.scalars(select(User).order_by(User.username))]
    return pd.DataFrame(rows, columns=["username", "role", "region", "created", "active"])
