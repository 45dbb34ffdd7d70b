"""Sign-in: first admin, passwords, rate limit, session expiry, demo mode, user administration and its CLI."""
import io
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import ensure_account, fresh_database
from ui import auth

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db(monkeypatch, tmp_path):
    monkeypatch.delenv("CHECKPOST_DEMO", raising=False)
    auth.LIMITER._failures.clear()
    auth.LIMITER._locked_until.clear()
    auth.LIMITER._lockouts.clear()
    auth.GUARD.reset()  # the per-client and per-name counters too
    return fresh_database(monkeypatch, tmp_path)


def app():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_limiter_locks_after_five_failures_and_doubles_the_lockout():
    clock = FakeClock()
    limiter = auth.SignInLimiter(max_failures=5, window_s=900, lockout_s=300, clock=clock)
    for _ in range(4):
        assert limiter.failed("amina") == 0
    assert limiter.failed("Amina ") == 300  # the fifth failure, name compared case- and space-blind
    assert limiter.seconds_locked("amina") == 300
    clock.now += 301
    assert limiter.seconds_locked("amina") == 0
    for _ in range(5):
        wait = limiter.failed("amina")
    assert wait == 600  # second lockout is twice as long
    assert limiter.seconds_locked("bilal") == 0  # other names are not affected


def test_failures_spread_beyond_the_window_do_not_lock():
    clock = FakeClock()
    limiter = auth.SignInLimiter(max_failures=3, window_s=60, lockout_s=300, clock=clock)
    for _ in range(6):
        assert limiter.failed("amina") == 0
        clock.now += 31  # only two failures ever fall inside one minute


def test_credentials_checked_against_bcrypt_hashes_and_audited(db):
    from store.audit import entries
    from store.users import create_user

    create_user("amina", "correct horse battery", role="planner")
    assert auth.check_credentials("amina", "wrong password") is None
    assert auth.check_credentials("amina", "correct horse battery")["role"] == "planner"
    actions = entries(actor="amina")["action"].tolist()
    assert actions[:2] == ["sign_in", "sign_in_failed"]


def test_locked_name_is_refused_even_with_the_right_password(db):
    from store.users import create_user

    create_user("bilal", "correct horse battery", role="commander", region="Sindh")
    limiter = auth.SignInLimiter(max_failures=3, lockout_s=300)
    for _ in range(2):
        assert auth.check_credentials("bilal", "nope", limiter=limiter) is None
    with pytest.raises(auth.SignInLocked, match="try again in 5 min"):
        auth.check_credentials("bilal", "nope", limiter=limiter)
    with pytest.raises(auth.SignInLocked):
        auth.check_credentials("bilal", "correct horse battery", limiter=limiter)


def test_first_run_asks_for_the_first_admin_then_signs_in(db):
    at = app().run()
    assert "Welcome to Checkpost" in [t.value for t in at.title]
    at.text_input[0].input("root-admin")
    at.text_input[1].input("a long admin passphrase")
    at.text_input[2].input("a long admin passphrase")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "Users" in [t.value for t in at.title]
    from store.users import get_user
    assert get_user("root-admin")["role"] == "admin"


def test_first_admin_form_refuses_differing_passwords(db):
    at = app().run()
    at.text_input[0].input("root-admin")
    at.text_input[1].input("a long admin passphrase")
    at.text_input[2].input("another passphrase!")
    at.button[0].click().run()
    assert any("differ" in e.value for e in at.error)
    from store.users import list_users
    assert list_users().empty


def _sign_in_form(db):
    from store.users import create_user
    create_user("amina", "correct horse battery", role="planner")
    at = app().run()
    assert "Checkpost — sign in" in [t.value for t in at.title]
    return at


def test_sign_in_with_password_opens_the_role_pages(db):
    at = _sign_in_form(db)
    at.text_input[0].input("amina")
    at.text_input[1].input("correct horse battery")
    at.button[0].click().run()
    assert not at.exception
    assert "Route map" in [t.value for t in at.title]
    assert at.session_state["user"]["username"] == "amina"


def test_wrong_password_and_lockout_messages(db):
    at = _sign_in_form(db)
    for attempt in range(auth.LIMITER.max_failures):
        at.text_input[0].input("amina")
        at.text_input[1].input(f"wrong {attempt}")
        at.button[0].click().run()
    assert any("too many failed sign-ins" in e.value for e in at.error)
    at.text_input[1].input("correct horse battery")
    at.button[0].click().run()
    assert "user" not in at.session_state  # still locked


def test_idle_session_expires(db):
    from store.users import verify_password
    at = _sign_in_form(db)
    # A session last seen longer ago than the idle limit (a fresh AppTest: it runs the entry script).
    at = app()
    at.session_state["user"] = verify_password("amina", "correct horse battery")
    at.session_state[auth.SIGNED_IN_AT_KEY] = time.time() - 60
    at.session_state[auth.LAST_SEEN_KEY] = time.time() - auth.session_idle_seconds() - 5
    at.run()
    assert "Checkpost — sign in" in [t.value for t in at.title]
    assert any("expired" in w.value for w in at.warning)
    assert "user" not in at.session_state


def test_session_ends_after_twelve_hours_even_when_active(db):
    _sign_in_form(db)
    at = app()
    at.session_state["user"] = ensure_account({"username": "amina", "role": "planner", "region": None})
    at.session_state[auth.SIGNED_IN_AT_KEY] = time.time() - auth.SESSION_MAX_SECONDS - 5
    at.session_state[auth.LAST_SEEN_KEY] = time.time()
    at.run()
    assert any("12-hour limit" in w.value for w in at.warning)


def test_an_expired_session_on_a_page_is_stopped_by_the_page(db):
    at = AppTest.from_file(str(ROOT / "pages/plans.py"), default_timeout=60)
    at.session_state["user"] = ensure_account({"username": "amina", "role": "planner", "region": None})
    at.session_state[auth.LAST_SEEN_KEY] = time.time() - auth.session_idle_seconds() - 5
    at.run()
    assert any("sign in" in e.value for e in at.error) and not at.title


def test_session_minutes_must_be_a_positive_number(monkeypatch):
    monkeypatch.setenv("CHECKPOST_SESSION_MINUTES", "soon")
    with pytest.raises(ValueError, match="CHECKPOST_SESSION_MINUTES"):
        auth.session_idle_seconds()


def test_demo_mode_is_off_unless_set(db, monkeypatch):
    at = _sign_in_form(db)
    assert not at.radio and not any("Enter the demo" in b.label for b in at.button)
    with pytest.raises(PermissionError):
        auth.demo_sign_in("planner")


def test_demo_mode_signs_in_with_a_picked_role(db, monkeypatch):
    monkeypatch.setenv("CHECKPOST_DEMO", "1")
    at = app().run()  # no users yet: demo mode skips the first-admin form
    at.radio[0].set_value("donor")
    next(b for b in at.button if b.label == "Enter the demo").click().run()
    assert not at.exception
    assert at.session_state["user"]["username"] == "demo-donor"
    assert "Route map" in [t.value for t in at.title]
    assert any("DEMO MODE" in w.value for w in at.sidebar.warning)
    from store.users import list_users
    assert set(list_users()["username"]) == {"demo-planner", "demo-commander", "demo-donor", "demo-admin"}


def test_admin_changes_are_audited_and_the_last_admin_stays(db):
    from store.audit import entries
    from store.users import create_user, get_user, verify_password
    from ui.accounts import set_password, update_user

    create_user("root", "a long admin passphrase", role="admin")
    create_user("amina", "correct horse battery", role="planner")
    assert update_user("amina", actor="root", role="commander", region="Sindh") == {
        "role": ["planner", "commander"], "region": [None, "Sindh"]}
    assert get_user("amina")["region"] == "Sindh"
    set_password("amina", "a brand new passphrase", actor="root")
    assert verify_password("amina", "a brand new passphrase") is not None
    assert verify_password("amina", "correct horse battery") is None
    with pytest.raises(ValueError, match="last active admin"):
        update_user("root", actor="root", active=False)
    assert get_user("root")["active"]
    with pytest.raises(LookupError, match="no user named 'nobody'"):
        update_user("nobody", actor="root", role="donor")
    logged = entries(actor="root")
    assert {"update_user", "set_password"} <= set(logged["action"])
    assert "brand new" not in logged.to_string()  # passwords never reach the log


def test_cli_creates_a_user_from_stdin(db, monkeypatch, capsys):
    from store.users import verify_password
    from ui.accounts import main

    monkeypatch.setattr("sys.stdin", io.StringIO("cli passphrase 123\n"))
    assert main(["create", "ops-admin", "--role", "admin", "--password-stdin"]) == 0
    assert "created ops-admin (admin)" in capsys.readouterr().out
    assert verify_password("ops-admin", "cli passphrase 123")["role"] == "admin"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["create", "x", "--role", "planner", "--password-stdin"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err


def test_admin_page_creates_a_commander(db):
    from store.users import create_user, get_user

    create_user("root", "a long admin passphrase", role="admin")
    at = app()
    at.session_state["user"] = ensure_account({"username": "root", "role": "admin", "region": None})
    at.run()
    assert "Users" in [t.value for t in at.title]
    at.text_input[0].input("cmdr-sindh")
    at.selectbox[0].set_value("commander")
    at.selectbox[1].set_value("Sindh")
    at.text_input[1].input("commander passphrase")
    next(b for b in at.button if b.label == "Create").click().run()
    assert not at.exception
    assert get_user("cmdr-sindh") == {**get_user("cmdr-sindh"), "role": "commander", "region": "Sindh"}
