"""Imports and sign-ins at the same time (issue 16, "SQLite under concurrency"): on SQLite and on
PostgreSQL, two imports running at once both land whole, sign-ins and map reads go on meanwhile,
and a reader never sees half a batch."""
from __future__ import annotations

import datetime as dt
import os
import threading
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import store.records as records
from store import users
from store.db import get_engine, reset_engines, run_write
from store.models import AuditEntry, ImportBatch, Intercept

PG_URL = os.environ.get("CHECKPOST_TEST_PG_URL")
TODAY = dt.date(2026, 11, 1)
ROWS = 800


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'busy.sqlite'}"
        monkeypatch.setenv("CHECKPOST_DB_URL", url)
        yield get_engine(url)
        reset_engines()
        return
    if not PG_URL:
        pytest.skip("set CHECKPOST_TEST_PG_URL to also run against PostgreSQL")
    name = "checkpost_busy_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("CHECKPOST_DB_URL", url)
    yield get_engine(url)
    reset_engines()
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def ledger(office: int, rows: int = ROWS) -> bytes:
    """A clean CSV of ``rows`` distinct records (Sindh coast), different for each office."""
    lines = ["id,date,latitude,longitude,persons,case_type,mode,agency"]
    for i in range(rows):
        day = dt.date(2010, 1, 1) + dt.timedelta(days=i % 700)
        lines.append(f"O{office}-{i},{day.isoformat()},{24.5 + (i % 97) / 100:.4f},"
                     f"{66.8 + office / 10 + (i % 89) / 1000:.4f},{1 + i % 30},smuggling,sea,FIA")
    return ("\n".join(lines) + "\n").encode()


def stored(engine, batch_id) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).where(Intercept.batch_id == batch_id))


def test_two_imports_and_sign_ins_at_once_all_land(engine, monkeypatch):
    from ui.auth import SignInLimiter, check_credentials

    monkeypatch.setattr(records, "INSERT_CHUNK", 100)   # many short write transactions each
    users.create_user("amina", "a long passphrase", role="planner", engine=engine)
    limiter = SignInLimiter()
    results, errors, seen_counts, signed_in = {}, [], [], []
    importing = threading.Event()

    def run_import(office):
        try:
            importing.set()
            results[office] = records.import_file(ledger(office), f"office{office}", file_name=f"office{office}.csv",
                                                  chunksize=400, today=TODAY, engine=engine)
        except Exception as error:  # noqa: BLE001 - the test reports any failure of a thread
            errors.append(f"import {office}: {error!r}")

    def sign_in_and_read():
        importing.wait()
        try:
            for _ in range(3):
                user = check_credentials("amina", "a long passphrase", limiter=limiter)
                signed_in.append(user is not None)
                seen_counts.append(len(records.query_intercepts(engine=engine)))
        except Exception as error:  # noqa: BLE001
            errors.append(f"sign-in: {error!r}")

    threads = [threading.Thread(target=run_import, args=(office,)) for office in (1, 2)]
    threads.append(threading.Thread(target=sign_in_and_read))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert signed_in == [True] * 3
    for office in (1, 2):
        summary = results[office]
        assert (summary.accepted, summary.inserted, summary.rejected) == (ROWS, ROWS, 0)
        assert stored(engine, summary.batch_id) == ROWS
    batches = records.list_batches(engine=engine)
    assert sorted(batches["status"]) == ["complete", "complete"]
    # a reader sees whole batches only: nothing, one of them, or both
    assert set(seen_counts) <= {0, ROWS, 2 * ROWS}
    assert len(records.query_intercepts(engine=engine)) == 2 * ROWS
    with Session(engine) as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("import") == 2 and actions.count("sign_in") == 3


def test_the_same_records_from_two_offices_at_once_are_stored_once(engine, monkeypatch):
    monkeypatch.setattr(records, "INSERT_CHUNK", 100)
    data = ledger(3, rows=600)
    results, errors = [], []

    def run_import(name):
        # other bytes (so not "the same file"), the same records
        content = data if name == "a.csv" else data.replace(b"agency", b"Agency ")
        try:
            results.append(records.import_file(content, name, file_name=name, chunksize=200, today=TODAY,
                                               engine=engine))
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))

    threads = [threading.Thread(target=run_import, args=(name,)) for name in ("a.csv", "b.csv")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(summary.inserted for summary in results) == 600
    assert sum(summary.already_present for summary in results) == 600
    assert len(records.query_intercepts(engine=engine)) == 600


def test_an_import_waits_for_another_writer_instead_of_failing(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("the lock held here is SQLite's database write lock")
    blocker = engine.raw_connection()
    cursor = blocker.cursor()
    cursor.execute("BEGIN IMMEDIATE")
    cursor.execute("INSERT INTO audit_log (at, actor, action) VALUES ('2026-11-01', 'x', 'hold')")
    timer = threading.Timer(1.0, blocker.commit)
    timer.start()
    summary = records.import_file(ledger(4, rows=50), "amina", file_name="o4.csv", today=TODAY, engine=engine)
    timer.join()
    blocker.close()
    assert summary.inserted == 50 and stored(engine, summary.batch_id) == 50


def test_a_locked_write_is_retried_whole(engine):
    attempts = []

    def work(connection):
        connection.execute(AuditEntry.__table__.insert(), [{"at": dt.datetime(2026, 11, 1), "actor": "t",
                                                            "action": "retry"}])
        attempts.append(1)
        if len(attempts) == 1:   # written, then the lock is lost: the attempt must leave nothing
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return "done"

    assert run_write(engine, work) == "done" and len(attempts) == 2
    with Session(engine) as session:
        assert session.scalar(select(func.count()).where(AuditEntry.action == "retry")) == 1


def test_a_failed_import_leaves_no_batch_and_other_batches_stay(engine, monkeypatch):
    first = records.import_file(ledger(5, rows=30), "amina", file_name="o5.csv", today=TODAY, engine=engine)
    monkeypatch.setattr(records, "INSERT_CHUNK", 10)
    calls = []
    original = records._insert_chunk

    def failing(session, rows):
        calls.append(len(rows))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        original(session, rows)

    monkeypatch.setattr(records, "_insert_chunk", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        records.import_file(ledger(6, rows=40), "amina", file_name="o6.csv", today=TODAY, engine=engine)
    assert calls == [10, 10, 10]        # two chunks were committed before the failure
    batches = records.list_batches(engine=engine)
    assert list(batches["id"]) == [first.batch_id]
    assert len(records.query_intercepts(engine=engine)) == 30


def test_a_batch_left_importing_by_a_dead_process_is_hidden_then_discarded(engine):
    with Session(engine) as session, session.begin():
        batch = ImportBatch(file_name="dead.csv", imported_by="x", status="importing",
                            updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), n_accepted=0,
                            n_inserted=0, n_already_present=0, n_rejected=0, n_duplicates=0)
        session.add(batch)
        session.flush()
        session.execute(Intercept.__table__.insert(), [{
            "record_id": "D-1", "content_hash": "d" * 64, "batch_id": batch.id, "date": dt.date(2011, 3, 1),
            "date_from": dt.date(2011, 3, 1), "date_to": dt.date(2011, 3, 1), "span_days": 0, "persons": 2,
            "case_type": "smuggling", "mode": "sea", "synthetic": False, "lon": 67.0, "lat": 24.8}])
        dead = batch.id
    assert len(records.query_intercepts(engine=engine)) == 0
    assert records.discard_stale_batches(engine=engine) == [dead]
    assert stored(engine, dead) == 0 and records.list_batches(engine=engine).empty
