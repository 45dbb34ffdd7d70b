"""Import batches that must not mislead (issue 16): over-long values refused with their reason the
same way on SQLite and PostgreSQL, nothing accepted writes no batch, the same file again reports
the earlier batch, and ``store import`` streams a file through the same validation."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import store.records as records
from store import audit
from store.models import ImportBatch, Intercept
from test_store_concurrency import engine  # noqa: F401 (the SQLite + PostgreSQL fixture)

TODAY = dt.date(2026, 11, 1)
HEADER = "id,date,latitude,longitude,place_name,persons,case_type,mode,agency,nationality\n"


def batches(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(ImportBatch))


def test_over_long_values_are_refused_with_their_reason(engine):  # noqa: F811
    long_place = "Village " + "k" * 300
    data = (HEADER + "L-1,2011-03-14,24.8607,67.0011,Karachi,2,smuggling,sea,FIA,Pakistani\n"
            f"L-2,2011-03-15,24.8607,67.0011,{long_place},2,smuggling,sea,FIA,Pakistani\n"
            f"{'I' * 70},2011-03-16,24.8607,67.0011,Karachi,3,smuggling,sea,{'A' * 130},Pakistani\n").encode()
    summary = records.import_file(data, "amina", file_name="long.csv", today=TODAY, engine=engine)
    assert (summary.accepted, summary.inserted, summary.rejected) == (1, 1, 2)
    assert [(r["source"], r["reason"]) for r in summary.refused] == [
        ("long.csv row 3", "place_name has 308 characters; at most 255 can be stored — shorten it"),
        ("long.csv row 4", "id has 70 characters; at most 64 can be stored — shorten it; agency has 130 "
                           "characters; at most 120 can be stored — shorten it"),
    ]
    assert len(records.query_intercepts(engine=engine)) == 1
    assert "1 rows had values too long to store" not in summary.message()
    assert summary.message().endswith("2 rows had values too long to store.")


def test_nothing_accepted_writes_no_batch(engine):  # noqa: F811
    data = (HEADER + "N-1,2099-01-01,24.8607,67.0011,Karachi,2,smuggling,sea,FIA,\n"
            "N-2,2011-03-15,24.8607,67.0011,Karachi,0,smuggling,sea,FIA,\n").encode()
    summary = records.import_file(data, "amina", file_name="none.csv", today=TODAY, engine=engine)
    assert summary.batch_id is None and not summary.written
    assert (summary.accepted, summary.rejected) == (0, 2)
    assert summary.message() == "Nothing was accepted from this file, so no batch was written."
    assert batches(engine) == 0
    skipped = audit.entries(action="import_skipped", engine=engine)
    assert len(skipped) == 1 and skipped["detail"].iloc[0]["why"] == "nothing accepted"


def test_the_same_file_again_reports_the_earlier_batch_and_writes_none(engine):  # noqa: F811
    data = (HEADER + "R-1,2011-03-14,24.8607,67.0011,Karachi,2,smuggling,sea,FIA,\n").encode()
    first = records.import_file(data, "amina", file_name="ledger.csv", today=TODAY, engine=engine)
    again = records.import_file(data, "bilal", file_name="ledger (copy).csv", today=TODAY, engine=engine)
    assert again.repeat_of == first.batch_id and again.inserted == 0 and again.already_present == 1
    assert batches(engine) == 1
    assert again.message() == f"This file was already imported as batch {first.batch_id}; nothing was written again."


def test_store_import_command_streams_and_writes_the_rejected_rows(tmp_path, monkeypatch, capsys):
    from store.__main__ import main

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("CHECKPOST_DB_URL", url)
    rows = [f"C-{i},2011-03-{1 + i % 28:02d},{24.5 + i / 1000:.4f},67.0011,Karachi,{1 + i % 9},smuggling,sea,FIA,"
            for i in range(120)]
    rows[7] = "C-7,2011-03-08,24.5070,67.0011,Karachi,three,smuggling,sea,FIA,"
    source = tmp_path / "ledger.csv"
    source.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    rejected = tmp_path / "fix_me.csv"
    assert main(["import", str(source), "--user", "amina", "--rejected", str(rejected)]) == 0
    printed = capsys.readouterr().out
    assert "Batch 1: 119 new records stored, 0 were already in the database." in printed
    frame = pd.read_csv(rejected, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame["id"]) == ["C-7"] and frame["reason"].iloc[0] == "persons 'three' is not a whole number"
    assert main(["import", str(source), "--user", "amina"]) == 0
    assert "already imported as batch 1" in capsys.readouterr().out
    from store.db import get_engine, reset_engines

    with Session(get_engine(url)) as session:
        assert session.scalar(select(func.count()).select_from(Intercept)) == 119
    reset_engines()
    assert main(["import", str(tmp_path / "missing.csv"), "--user", "amina"]) == 1
