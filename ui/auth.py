"""Sign-in, roles and sessions for the Streamlit app.

    user = require_role("planner", "commander")   # at the top of a page: stops the page for other roles
    pages_for("donor")                             # the page files a role may open (app.py registers only these)

The signed-in user lives in ``st.session_state["user"]`` as the dict store.users returns
(``username``, ``role``, ``region``, ...), which the other pages read too.  Passwords are checked
by store.users (bcrypt, one check per attempt whatever the name).  Failed sign-ins are throttled
per (user name, client), per client and per user name (ui/sign_in_limits.py); an admin unlocks a name
with ``unlock``; every attempt is audited.  Every page run re-reads the account from the database,
so a deactivated or changed account is signed out on its next click; idle sessions expire.
``CHECKPOST_DEMO=1`` turns on demo mode: sample accounts of each role, picked from a list, and a
"demo" mark on every page.
"""
from __future__ import annotations

import os
import secrets
import time

import streamlit as st

from ui.safe_text import md
from ui.sign_in_limits import SignInGuard, SignInLimiter, name_key

USER_KEY = "user"
LAST_SEEN_KEY = "auth_last_seen"
SIGNED_IN_AT_KEY = "auth_signed_in_at"

ROLE_LABELS = {"planner": "IATF planner", "commander": "Field commander", "donor": "Donor", "admin": "Administrator"}

# Page file -> roles that may open it.  The order is the menu order.
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "pages/overview.py": ("planner", "commander", "donor"),
    "pages/hotspots.py": ("planner", "commander"),
    "pages/planner.py": ("planner",),
    "pages/propose.py": ("planner", "commander"),
    "pages/plans.py": ("planner", "commander"),
    "pages/coverage.py": ("planner", "donor"),
    "pages/data.py": ("planner", "commander"),
    "pages/admin.py": ("admin",),
}

# Demo accounts: one per role.  Their passwords are random and never shown: demo sign-in picks a role.
DEMO_ACCOUNTS = {
    "planner": ("demo-planner", None),
    "commander": ("demo-commander", "Balochistan"),
    "donor": ("demo-donor", None),
    "admin": ("demo-admin", None),
}


def demo_mode() -> bool:
    """True only when CHECKPOST_DEMO is set to 1/true/yes (off by default)."""
    return os.environ.get("CHECKPOST_DEMO", "").strip().lower() in ("1", "true", "yes", "on")


def session_idle_seconds() -> float:
    """Idle time after which a session signs out (CHECKPOST_SESSION_MINUTES, default 30)."""
    raw = os.environ.get("CHECKPOST_SESSION_MINUTES", "30")
    try:
        minutes = float(raw)
    except ValueError as error:
        raise ValueError(f"CHECKPOST_SESSION_MINUTES must be a number of minutes, got {raw!r}") from error
    if minutes <= 0:
        raise ValueError(f"CHECKPOST_SESSION_MINUTES must be positive, got {raw!r}")
    return minutes * 60.0


SESSION_MAX_SECONDS = 12 * 3600.0  # a session ends after 12 hours even when active


def pages_for(role: str | None) -> list[str]:
    """Page files the role may open, in menu order (empty for no or unknown role)."""
    return [page for page, roles in PAGE_ROLES.items() if role in roles]


def may_open(role: str | None, page: str) -> bool:
    return role in PAGE_ROLES.get(page, ())


# ------------------------------------------------------------------------------------ rate limit
GUARD = SignInGuard()
LIMITER = GUARD.pair  # one user name from one client (kept under its old name)
TRUSTED_PROXY_ENV = "CHECKPOST_TRUSTED_PROXY"


class SignInLocked(PermissionError):
    """Too many failed sign-ins for this user name or computer; try again later."""


def client_id() -> str:
    """The client a sign-in comes from: its IP address ("local" on loopback or outside a page run).

    Behind a reverse proxy set CHECKPOST_TRUSTED_PROXY=1: the address is then the last one the proxy
    appended to X-Forwarded-For (earlier entries are whatever the client chose to send).
    """
    try:
        if os.environ.get(TRUSTED_PROXY_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
            forwarded = st.context.headers.get("X-Forwarded-For")
            forwarded = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else ""
            if forwarded:
                return forwarded
        address = st.context.ip_address
        return address if isinstance(address, str) and address else "local"
    except (AttributeError, RuntimeError, KeyError):  # no page run (command line, unit tests)
        return "local"


def _unlocked_since(username: str, locked_at) -> bool:
    """True when an admin unlocked ``username`` (in any process) after ``locked_at``."""
    if locked_at is None:
        return False
    from store.audit import unlocks_since
    return name_key(username) in unlocks_since(locked_at)


def unlock(username: str, *, actor: str) -> int:
    """Lift the sign-in lock on ``username`` here and, through the audit log, in every app process."""
    from store.audit import log
    lifted = GUARD.unlock_name(username)
    log(actor, "unlock_user", {"username": name_key(username), "locks_lifted_here": lifted})
    return lifted


def _locked_message(seconds: float, what: str) -> str:
    return (f"Sign-in refused — too many failed sign-ins for this {what}; "
            f"try again in {max(1, round(seconds / 60))} min.")


def check_credentials(username: str, password: str, *, client: str | None = None,
                      limiter: SignInLimiter | None = None, guard: SignInGuard | None = None) -> dict | None:
    """The user dict when the password is right; None when wrong; SignInLocked while locked out.

    Every attempt goes to the audit log: successes, failures, and attempts refused during a lockout.
    ``limiter`` replaces the per-(name, client) limiter (tests); ``guard`` all three.
    """
    from store.audit import log
    from store.users import verify_password

    guard = guard or (SignInGuard(pair=limiter) if limiter is not None else GUARD)
    username, client = str(username or "").strip(), client or client_id()
    actor = username[:64] or "(blank)"
    seconds, what = guard.wait(username, client, unlocked_since=_unlocked_since)
    if seconds > 0:
        log(actor, "sign_in_refused", {"locked_for_s": round(seconds), "lock": what, "client": client})
        raise SignInLocked(_locked_message(seconds, what))
    user = verify_password(username, password)  # one bcrypt check whatever the name: constant time
    if user is None:
        seconds, what = guard.failed(username, client)
        log(actor, "sign_in_failed", {"locked_for_s": round(seconds), "client": client})
        if seconds > 0:
            raise SignInLocked(_locked_message(seconds, what))
        return None
    guard.succeeded(username, client)
    from store.users import SignInRefused, valid_region

    refusal = valid_region(user)  # a commander without a valid region never signs in (issue 16, S3)
    if refusal:
        log(user["username"], "sign_in_refused", {"reason": refusal, "client": client})
        raise SignInRefused(refusal)
    log(user["username"], "sign_in", {"role": user["role"], "client": client})
    return user


# ------------------------------------------------------------------------------------ sessions
def start_session(user: dict, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    st.session_state[USER_KEY] = dict(user)
    st.session_state[SIGNED_IN_AT_KEY] = now
    st.session_state[LAST_SEEN_KEY] = now


def sign_out(reason: str | None = None) -> None:
    user = st.session_state.get(USER_KEY)
    if isinstance(user, dict) and user.get("username"):
        from store.audit import log
        log(user["username"], "sign_out", {"reason": reason} if reason else None)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if reason:
        st.session_state["auth_message"] = reason


ACCOUNT_CHANGED = "An administrator changed your account ({what}); please sign in again."
ACCOUNT_GONE = "Your account is no longer active; ask an administrator."


def _account_problem(user: dict) -> str | None:
    """Why the stored account no longer matches the session (None when it still does).

    Read from the database on every page run, so deactivating a user or changing their role or
    region takes effect on that user's next click, in every app process.
    """
    from store.users import get_user, valid_region

    stored = get_user(user["username"])
    if stored is None or not stored.get("active"):
        return ACCOUNT_GONE
    changed = [what for what in ("role", "region") if (stored.get(what) or None) != (user.get(what) or None)]
    if changed:
        return ACCOUNT_CHANGED.format(what=" and ".join(changed))
    return valid_region(stored)  # a commander whose region is missing or no longer shipped (S3)


def current_user(*, now: float | None = None) -> dict | None:
    """The signed-in user, or None.

    Signs out a session that is idle or open for too long, or whose account was deactivated or had its
    role or region changed since sign-in (checked against the database on every call).
    """
    user = st.session_state.get(USER_KEY)
    if not isinstance(user, dict) or not user.get("username"):
        return None
    now = time.time() if now is None else now
    last = float(st.session_state.get(LAST_SEEN_KEY, now))
    started = float(st.session_state.get(SIGNED_IN_AT_KEY, now))
    if now - last > session_idle_seconds():
        sign_out("Your session expired after a period of inactivity; please sign in again.")
        return None
    if now - started > SESSION_MAX_SECONDS:
        sign_out("Your session reached its 12-hour limit; please sign in again.")
        return None
    problem = _account_problem(user)
    if problem:
        sign_out(problem)
        return None
    st.session_state[LAST_SEEN_KEY] = now
    return user


def require_role(*roles: str) -> dict:
    """The signed-in user when their role is one of ``roles``; otherwise an error and the page stops."""
    user = current_user()
    if user is None:
        st.error("Please sign in to use this page.")
        st.stop()
    if user.get("role") not in roles:
        st.error(f"This page is not available to the {user.get('role')} role.")
        st.stop()
    return user


def ensure_demo_accounts() -> dict[str, dict]:
    """Create the demo accounts when missing (random passwords nobody knows); role -> user dict."""
    from store.users import UserExistsError, create_user, get_user

    out = {}
    for role, (username, region) in DEMO_ACCOUNTS.items():
        user = get_user(username)
        if user is None:
            try:
                user = create_user(username, secrets.token_urlsafe(24), role=role, region=region, actor="demo-mode")
            except UserExistsError:  # another session created it at the same moment
                user = get_user(username)
        out[role] = user
    return out


def demo_sign_in(role: str) -> dict:
    """Sign in as the demo account of ``role`` (demo mode only)."""
    if not demo_mode():
        raise PermissionError("demo sign-in is only available with CHECKPOST_DEMO=1")
    if role not in DEMO_ACCOUNTS:
        raise ValueError(f"demo role '{role}' is not one of {', '.join(DEMO_ACCOUNTS)}")
    user = ensure_demo_accounts()[role]
    from store.audit import log
    log(user["username"], "sign_in", {"role": role, "demo": True})
    start_session(user)
    return user


def has_users() -> bool:
    from store.users import list_users
    return len(list_users()) > 0


# ------------------------------------------------------------------------------------ widgets
def demo_banner() -> None:
    """The demo mark shown on every page in demo mode."""
    if demo_mode():
        st.sidebar.warning("DEMO MODE — sample accounts; not for operational use.", icon=":material/science:")


def first_admin_form() -> None:
    """Asks for the first admin account when the database has no users."""
    from store.users import create_user

    st.title("Welcome to Checkpost")
    st.info("No accounts exist yet. Create the first administrator account "
            "(or run `python -m ui.accounts create NAME --role admin`).")
    with st.form("first_admin"):
        username = st.text_input("Administrator user name")
        password = st.text_input("Password (at least 8 characters)", type="password")
        again = st.text_input("Repeat the password", type="password")
        submitted = st.form_submit_button("Create administrator")
    if submitted:
        if password != again:
            st.error("The two passwords differ.")
            return
        if has_users():
            st.error("An account was created meanwhile; please sign in.")
            return
        try:
            user = create_user(username, password, role="admin", actor="first-run")
        except ValueError as error:
            st.error(md(error))
            return
        start_session(user)
        st.rerun()


def sign_in_form() -> None:
    st.title("Checkpost — sign in")
    message = st.session_state.pop("auth_message", None)
    if message:
        st.warning(message)
    if demo_mode():
        st.info("Demo mode: pick a role to sign in with its sample account.")
        role = st.radio("Demo role", list(DEMO_ACCOUNTS), format_func=lambda r: ROLE_LABELS[r],
                        horizontal=True, key="demo_role")
        if st.button("Enter the demo", type="primary"):
            demo_sign_in(role)
            st.rerun()
        st.divider()
    with st.form("sign_in"):
        username = st.text_input("User name")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        from store.users import SignInRefused

        try:
            user = check_credentials(username, password)
        except (SignInLocked, SignInRefused) as error:
            st.error(str(error))
            return
        if user is None:
            st.error("Wrong user name or password.")
            return
        start_session(user)
        st.rerun()


def user_box(user: dict) -> None:
    with st.sidebar:
        region = f" · {md(user['region'])}" if user.get("region") else ""
        st.caption(f"Signed in as **{md(user['username'])}** ({ROLE_LABELS.get(user['role'], user['role'])}{region})")
        if st.button("Sign out", key="sign_out"):
            sign_out("You signed out.")
            st.rerun()
