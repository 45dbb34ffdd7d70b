"""Two app processes on one database (the "several app processes behind a reverse proxy" set-up).

Two real Python processes share one database with the test process: PostgreSQL when
CHECKPOST_TEST_PG_URL is set (scripts/test.sh sets it), else one SQLite file.  Records and a plan
stored by one process are read by the others; when both save on top of the same version at the same
moment exactly one wins and the other is told to reload (optimistic locking across processes); an
account deactivated by one process reads as inactive in the others (what the per-page-run account
check of ui/auth.py relies on).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("CHECKPOST_TEST_PG_URL")

# One app process: read the plan and the records another process stored, wait for "go", save on top
# of version 1, then (after a third process deactivated bilal) read bilal's account as a page run does.
WORKER = r"""
import json, sys, time
from pathlib import Path
sys.path[:0] = [sys.argv[3]]
name, folder = sys.argv[1], Path(sys.argv[2])
from store.plans import StaleVersionError, load_plan, save_plan
from store.users import get_user
from store.db import session_scope
from sqlalchemy import text
while not (folder / "set-up").exists():
    time.sleep(0.02)
out = {"loaded_version": load_plan("Makran coast").version}
with session_scope() as session:
    out["records_seen"] = session.execute(text("SELECT count(*) FROM intercepts")).scalar()
(folder / f"ready-{name}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
sites = [{"site_id": f"site-{name}", "node": 1, "detection": 0.5}]
try:
    out["saved"] = save_plan("Makran coast", sites, author=f"process-{name}", expected_version=1)
except StaleVersionError as error:
    out["stale"] = str(error)
(folder / f"saved-{name}").touch()
while not (folder / "deactivated").exists():
    time.sleep(0.02)
out["bilal_active"] = get_user("bilal")["active"]
print(json.dumps(out))
"""


@pytest.fixture
def shared_url(tmp_path):
    """A fresh PostgreSQL database when CHECKPOST_TEST_PG_URL is set, else a SQLite file."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'shared.sqlite'}"
        return
    name = "checkpost_mp_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    from store.db import reset_engines
    reset_engines()
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def _wait_for(*paths: Path, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while not all(p.exists() for p in paths):
        if time.monotonic() > deadline:
            raise TimeoutError(f"workers did not reach {[p.name for p in paths]}")
        time.sleep(0.02)


def test_two_processes_share_plans_and_records_and_one_stale_save_loses(shared_url, tmp_path, monkeypatch):
    import store.db
    from app_fixtures import plant_records
    from store.plans import list_plans, load_plan, save_plan
    from store.users import create_user
    from ui.accounts import update_user

    monkeypatch.setenv("CHECKPOST_DB_URL", shared_url)
    env = {**os.environ, "CHECKPOST_DB_URL": shared_url}
    # The workers start first: their imports overlap the set-up below, then they wait for "set-up".
    workers = {name: subprocess.Popen([sys.executable, "-c", WORKER, name, str(tmp_path), str(ROOT)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name in ("A", "B")}
    try:
        store.db.reset_engines()
        save_plan("Makran coast", [{"site_id": "start", "node": 0, "detection": 0.5}], author="parent")
        create_user("bilal", "correct horse battery", role="planner")
        plant_records(user="parent")  # 4 records, read by both workers
        (tmp_path / "set-up").touch()
        _wait_for(tmp_path / "ready-A", tmp_path / "ready-B")
        (tmp_path / "go").touch()  # both save on top of version 1 now
        _wait_for(tmp_path / "saved-A", tmp_path / "saved-B")
        update_user("bilal", actor="parent", active=False)  # a third process changes the account
        (tmp_path / "deactivated").touch()
        results = {}
        for name, worker in workers.items():
            stdout, stderr = worker.communicate(timeout=60)
            assert worker.returncode == 0, stderr[-2000:]
            results[name] = json.loads(stdout.strip().splitlines()[-1])
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                worker.kill()
    a, b = results["A"], results["B"]
    assert a["loaded_version"] == b["loaded_version"] == 1          # B sees the plan the parent saved
    assert a["records_seen"] == b["records_seen"] == 4              # both see the records the parent stored
    winners = [r for r in (a, b) if "saved" in r]
    losers = [r for r in (a, b) if "stale" in r]
    assert len(winners) == 1 and len(losers) == 1                  # optimistic locking across processes
    assert winners[0]["saved"] == 2
    assert "reload it" in losers[0]["stale"]
    latest = load_plan("Makran coast")
    assert latest.version == 2 and latest.author in ("process-A", "process-B")
    assert list(latest.sites["site_id"]) == [f"site-{latest.author[-1]}"]
    assert list_plans(all_versions=True)["version"].tolist() == [1, 2]
    assert a["bilal_active"] is False and b["bilal_active"] is False  # the S4 re-check sees it everywhere


def test_a_save_that_meets_another_processes_write_on_sqlite_is_retried(tmp_path, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    import store.db
    import store.plans as plans

    monkeypatch.setenv("CHECKPOST_DB_URL", f"sqlite:///{tmp_path / 'retry.sqlite'}")
    store.db.reset_engines()
    import store.locks
    monkeypatch.setattr(store.locks, "WAIT_S", 0.0)
    real, failures = plans._save_version, []

    def locked_twice(*args):
        if len(failures) < 2:
            failures.append(1)
            raise OperationalError("INSERT INTO plans", {}, sqlite3.OperationalError("database is locked"))
        return real(*args)

    monkeypatch.setattr(plans, "_save_version", locked_twice)
    assert plans.save_plan("Makran coast", [{"site_id": "s", "node": 1, "detection": 0.5}], author="a") == 1
    assert len(failures) == 2

    def broken(*_args):
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: plans"))

    monkeypatch.setattr(plans, "_save_version", broken)
    with pytest.raises(OperationalError, match="no such table"):  # only lock errors are retried
        plans.save_plan("Makran coast", [{"site_id": "s", "node": 1, "detection": 0.5}], author="a")


def test_retry_when_locked_retries_lock_errors_only():
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from store.locks import retry_when_locked

    def lock_error():
        return OperationalError("INSERT INTO audit_log", {}, sqlite3.OperationalError("database is locked"))

    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise lock_error()
        return "written"

    assert retry_when_locked(flaky, wait_s=0) == "written" and len(calls) == 3

    def always_locked():
        raise lock_error()

    with pytest.raises(OperationalError, match="locked"):
        retry_when_locked(always_locked, retries=2, wait_s=0)
