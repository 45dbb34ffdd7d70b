"""User administration beyond store.users: change role or region, (de)activate, reset a password; a CLI.

    python -m ui.accounts create NAME --role admin [--region Sindh]   # password asked twice (or --password-stdin)
    python -m ui.accounts list
    python -m ui.accounts set NAME [--role R] [--region R] [--active yes|no]
    python -m ui.accounts password NAME                               # reset, asked twice
    python -m ui.accounts unlock NAME                                 # lift a sign-in lockout (every app process)

Every change goes to the audit log with the acting user.
"""
from __future__ import annotations

import argparse
import getpass
import sys

import bcrypt
from sqlalchemy import select

from store.audit import log as audit_log
from store.db import session_scope
from store.models import ROLES, User
from store.users import MIN_PASSWORD_LENGTH, create_user, list_users, normalise_region

_UNSET = object()


def update_user(username: str, *, actor: str, role=_UNSET, region=_UNSET, active=_UNSET) -> dict:
    """Change a user's role, region or active flag; returns the changes made.  LookupError when absent."""
    if role is not _UNSET and role not in ROLES:
        raise ValueError(f"update_user: role '{role}' is not one of {', '.join(ROLES)}")
    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == str(username).strip()))
        if user is None:
            raise LookupError(f"update_user: no user named '{username}'")
        if role is not _UNSET or region is not _UNSET:
            # A commander must keep a valid region: check the pair as it will be after the change.
            new_role = user.role if role is _UNSET else role
            region = normalise_region(new_role, user.region if region is _UNSET else region)
        was_active_admin = user.role == "admin" and bool(user.active)
        changes = {}
        for field, value in (("role", role), ("region", region), ("active", active)):
            if value is not _UNSET and getattr(user, field) != value:
                changes[field] = [getattr(user, field), value]
                setattr(user, field, value)
        if was_active_admin and (changes.get("active") == [True, False] or "role" in changes):
            _refuse_removing_last_admin(session, user.username, changes)
        if changes:
            audit_log(actor, "update_user", {"username": user.username, "changes": changes}, session=session)
        return changes


def _refuse_removing_last_admin(session, username, changes):
    admins = session.scalars(select(User.username).where(User.role == "admin", User.active.is_(True))).all()
    if not admins:  # autoflush: the query already sees this change
        raise ValueError(f"update_user: '{username}' is the last active admin; make another admin first")


def set_password(username: str, password: str, *, actor: str) -> None:
    """Reset a password (bcrypt); the audit log records that it changed, never the password."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValueError(f"set_password: password for '{username}' must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode("utf-8")) > 72:
        raise ValueError(f"set_password: password for '{username}' is longer than bcrypt's 72 bytes")
    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == str(username).strip()))
        if user is None:
            raise LookupError(f"set_password: no user named '{username}'")
        user.password_hash = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")
        audit_log(actor, "set_password", {"username": user.username}, session=session)


def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat: ") != first:
        raise SystemExit("the two passwords differ")
    return first


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.accounts", description="Manage Checkpost users.")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="create a user")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--region", default=None,
                        help="a commander's region (required for commanders): a province, or 'districts: A; B'")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    sub.add_parser("list", help="list users")
    change = sub.add_parser("set", help="change role, region or active")
    change.add_argument("username")
    change.add_argument("--role", choices=ROLES)
    change.add_argument("--region")
    change.add_argument("--active", choices=["yes", "no"])
    reset = sub.add_parser("password", help="reset a password")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    release = sub.add_parser("unlock", help="lift a sign-in lockout of a user name")
    release.add_argument("username")
    args = parser.parse_args(argv)
    actor = f"cli:{getpass.getuser()}"
    try:
        if args.command == "create":
            user = create_user(args.username, _read_password(args), role=args.role, region=args.region, actor=actor)
            print(f"created {user['username']} ({user['role']})")
        elif args.command == "list":
            print(list_users().to_string(index=False))
        elif args.command == "set":
            options = {k: v for k, v in (("role", args.role), ("region", args.region)) if v is not None}
            if args.active:
                options["active"] = args.active == "yes"
            print(update_user(args.username, actor=actor, **options) or "no change")
        elif args.command == "password":
            set_password(args.username, _read_password(args), actor=actor)
            print(f"password of {args.username} changed")
        elif args.command == "unlock":
            from ui.auth import unlock
            unlock(args.username, actor=actor)
            print(f"sign-in of {args.username} unlocked in every app process")
    except (ValueError, LookupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
