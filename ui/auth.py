"""Sign-in, roles and sessions for the Streamlit app.

    user = require_role("planner", "commander")   # at the top of a page: stops the page for other roles
    pages_for("donor")                             # the page files a role may open (app.py registers only these)

The signed-in user lives in ``st.session_state["user"]`` as the dict store.users returns
(``username``, ``role``, ``region``, ...), which the other pages read too.  Passwords are checked
by store.users (bcrypt).  Failed sign-ins are counted per user name in this process and lock the
name out for a while; idle sessions expire.  ``CHECKPOST_DEMO=1`` turns on demo mode: sample
accounts of each role, picked from a list, and a "demo" mark on every page.
"""
from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass, field

import streamlit as st

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
@dataclass
class SignInLimiter:
    """Locks a user name out after ``max_failures`` failed sign-ins within ``window_s`` seconds.

    The lockout lasts ``lockout_s`` seconds and doubles with each further lockout of the same name.
    Shared by every session of the server process, so opening a new browser tab does not reset it.
    """

    max_failures: int = 5
    window_s: float = 900.0
    lockout_s: float = 300.0
    clock: object = time.monotonic
    _failures: dict = field(default_factory=dict)
    _locked_until: dict = field(default_factory=dict)
    _lockouts: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def _key(username: str) -> str:
        return str(username).strip().lower()

    def seconds_locked(self, username: str) -> float:
        """Seconds until ``username`` may try again (0 when it may now)."""
        with self._lock:
            return max(0.0, self._locked_until.get(self._key(username), 0.0) - self.clock())

    def failed(self, username: str) -> float:
        """Record a failure; returns the lockout now in force (0 when none)."""
        key, now = self._key(username), self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(key, []) if now - t < self.window_s] + [now]
            self._failures[key] = recent
            if len(recent) >= self.max_failures:
                count = self._lockouts.get(key, 0)
                self._lockouts[key] = count + 1
                self._locked_until[key] = now + self.lockout_s * (2 ** count)
                self._failures[key] = []
            return max(0.0, self._locked_until.get(key, 0.0) - now)

    def succeeded(self, username: str) -> None:
        key = self._key(username)
        with self._lock:
            self._failures.pop(key, None)
            self._lockouts.pop(key, None)


LIMITER = SignInLimiter()


class SignInLocked(PermissionError):
    """Too many failed sign-ins for this user name; try again later."""


def check_credentials(username: str, password: str, *, limiter: SignInLimiter = LIMITER) -> dict | None:
    """The user dict when the password is right; None when wrong; SignInLocked while locked out.

    Every failure and every success goes to the audit log.
    """
    from store.audit import log
    from store.users import verify_password

    username = str(username or "").strip()
    wait = limiter.seconds_locked(username)
    if wait > 0:
        raise SignInLocked(f"too many failed sign-ins for '{username}': try again in {wait / 60:.0f} min")
    user = verify_password(username, password) if username and password else None
    if user is None:
        wait = limiter.failed(username)
        log(username or "(blank)", "sign_in_failed", {"locked_for_s": round(wait)})
        if wait > 0:
            raise SignInLocked(f"too many failed sign-ins for '{username}': try again in {wait / 60:.0f} min")
        return None
    limiter.succeeded(username)
    from store.users import SignInRefused, valid_region

    refusal = valid_region(user)  # a commander without a valid region never signs in (issue 16, S3)
    if refusal:
        log(user["username"], "sign_in_refused", {"reason": refusal})
        raise SignInRefused(refusal)
    log(user["username"], "sign_in", {"role": user["role"]})
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


def current_user(*, now: float | None = None) -> dict | None:
    """The signed-in user, or None; signs out a session idle or open for too long."""
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
            st.error(str(error))
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
        region = f" · {user['region']}" if user.get("region") else ""
        st.caption(f"Signed in as **{user['username']}** ({ROLE_LABELS.get(user['role'], user['role'])}{region})")
        if st.button("Sign out", key="sign_out"):
            sign_out("You signed out.")
            st.rerun()
