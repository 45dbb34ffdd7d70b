"""store: migrations, one-transaction idempotent imports, map queries checked by brute force, plans,
users, append-only audit log.

Runs on SQLite; also on PostgreSQL when CHECKPOST_TEST_PG_URL points at a server where the user may
create databases (e.g. postgresql+psycopg://postgres@/postgres?host=/tmp/pg&port=55432).
"""
from __future__ import annotations

import datetime as dt
import io
import os
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

import store.records as records
from geodata.ingest import read_intercepts
from geodata.schema import empty_intercepts
from store import audit, plans, users
from store.db import downgrade, get_engine, migrate, reset_engines
from store.models import AuditEntry, Base, ImportBatch, Intercept

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
PG_URL = os.environ.get("CHECKPOST_TEST_PG_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        yield get_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
        return
    if not PG_URL:
        pytest.skip("set CHECKPOST_TEST_PG_URL to also run against PostgreSQL")
    name = "checkpost_test_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield get_engine(url)
    reset_engines()
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def count(engine, table) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(table))


# ---------------------------------------------------------------- schema and setup

def test_migrations_match_the_models(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from store.models import include_in_autogenerate

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_in_autogenerate})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_downgrade_and_upgrade_again(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'cycle.sqlite'}")
    downgrade(engine, "base")
    with engine.connect() as connection:
        names = connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars().all()
    assert set(names) <= {"alembic_version"}
    migrate(engine, "head")
    assert count(engine, Intercept) == 0


def test_default_database_is_created_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("CHECKPOST_DB_URL", raising=False)
    monkeypatch.setenv("CHECKPOST_DATA_DIR", str(tmp_path / "fresh" / "data"))
    reset_engines()
    engine = get_engine()
    assert Path(engine.url.database) == (tmp_path / "fresh" / "data" / "checkpost.sqlite").resolve()
    assert Path(engine.url.database).is_file()
    reset_engines()


def test_postgresql_schema_is_generated_without_sqlite_only_sql(capsys):
    from alembic import command

    from store.db import alembic_config

    command.upgrade(alembic_config("postgresql+psycopg://user@localhost/checkpost"), "head", sql=True)
    sql = capsys.readouterr().out
    assert "CREATE TABLE intercepts" in sql and "CREATE INDEX ix_intercepts_date_from_lon_lat" in sql
    assert "EXECUTE FUNCTION audit_log_append_only()" in sql
    assert "sqlite" not in sql.lower() and "RAISE(ABORT" not in sql


# ---------------------------------------------------------------- imports

def test_import_is_idempotent(engine):
    result = read_intercepts(CORPUS / "clean.csv")
    first = records.import_batch(result, "clean.csv", "amina", engine=engine)
    assert (first.accepted, first.inserted, first.already_present) == (6, 6, 0)
    assert first.by_case_type == {"smuggling": 2, "trafficking": 2, "unknown": 2}
    # the same file again: the earlier batch is reported and no batch is written (issue 16)
    second = records.import_batch(read_intercepts(CORPUS / "clean.csv"), "clean.csv", "amina", engine=engine)
    assert (second.inserted, second.already_present) == (0, 6)
    assert second.repeat_of == first.batch_id and not second.written
    assert "already imported as batch" in second.message()
    # the same records arriving in another format are recognised too
    third = records.import_batch(read_intercepts(CORPUS / "clean.xlsx"), "clean.xlsx", "bilal", engine=engine)
    assert (third.inserted, third.already_present) == (0, 6) and third.repeat_of is None
    assert count(engine, Intercept) == 6
    batches = records.list_batches(engine=engine)
    assert list(batches["n_inserted"]) == [6, 0] and list(batches["imported_by"]) == ["amina", "bilal"]
    assert list(batches["status"]) == ["complete", "complete"]
    assert list(audit.entries(action="import", engine=engine)["actor"]) == ["bilal", "amina"]
    assert list(audit.entries(action="import_skipped", engine=engine)["actor"]) == ["amina"]


def test_killed_import_leaves_nothing(engine, monkeypatch):
    result = read_intercepts(CORPUS / "clean.csv")
    calls = []

    def failing_insert(session, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("power cut")
        session.connection().execute(Intercept.__table__.insert(), rows)

    monkeypatch.setattr(records, "INSERT_CHUNK", 2)
    monkeypatch.setattr(records, "_insert_chunk", failing_insert)
    with pytest.raises(RuntimeError, match="power cut"):
        records.import_batch(result, "clean.csv", "amina", engine=engine)
    assert calls == [2, 2]            # it really failed part-way, after a chunk was written
    assert count(engine, Intercept) == 0
    assert count(engine, ImportBatch) == 0
    assert count(engine, AuditEntry) == 0
    monkeypatch.undo()
    summary = records.import_batch(result, "clean.csv", "amina", engine=engine)
    assert summary.inserted == 6 and count(engine, ImportBatch) == 1


def test_fixed_rejected_rows_are_added_by_a_second_import(engine):
    today = dt.date(2026, 11, 1)
    # Issue 11: rows with distinct ids are never duplicates, so this ledger has no id column.
    ledger = (b"date,lat,lon,place_name,persons,case_type,mode\n2011-03-14,24.8607,67.0011,Karachi,12,smuggling,sea\n"
              b"2011-03-20,25.1216,62.3254,Gwadar,30,smuggling,sea\n2011-03-14,24.8607,67.0011,Karachi,12,smuggling,sea\n")
    first = read_intercepts(ledger, file_name="ledger.csv", today=today)
    assert len(first.rejected) == 1
    records.import_batch(first, "ledger.csv", "amina", engine=engine)
    frame = pd.read_csv(io.BytesIO(first.rejected_file()), dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    frame["persons"] = "13"   # the clerk checks the ledger: a second boat, 13 persons
    fixed = read_intercepts(frame.to_csv(index=False).encode(), file_name="fixed.csv", today=today)
    summary = records.import_batch(fixed, "fixed.csv", "amina", engine=engine)
    assert summary.inserted == 1 and count(engine, Intercept) == 3


def test_unreadable_files_are_not_imported(engine, monkeypatch):
    with pytest.raises(records.FileNotImportable, match="truncated.xlsx was not imported: truncated.xlsx is a "
                                                         "damaged or incomplete Excel workbook"):
        records.import_file(CORPUS / "truncated.xlsx", "amina", engine=engine)
    # A file that turns out damaged after its first chunk: the chunk already stored is rolled back.
    import geodata.ingest

    good = read_intercepts(CORPUS / "clean.csv")
    damaged = read_intercepts(CORPUS / "truncated.xlsx")
    monkeypatch.setattr(geodata.ingest, "iter_intercepts", lambda source, **options: iter([good, damaged]))
    with pytest.raises(records.FileNotImportable, match="damaged or incomplete"):
        records.import_file("ledger.xlsx", "amina", engine=engine)
    assert count(engine, Intercept) == 0 and count(engine, ImportBatch) == 0


def test_import_file_streams_chunks_in_one_batch(engine):
    summary = records.import_file(CORPUS / "bad_values.csv", "amina", engine=engine, chunksize=3,
                                  today=dt.date(2026, 11, 1))
    # Issue 11: B-2's impossible latitude 91.2 is exchanged (noted), so 3 accepted, 11 rejected.
    assert (summary.accepted, summary.rejected, summary.inserted) == (3, 11, 3)
    assert count(engine, ImportBatch) == 1


# ---------------------------------------------------------------- queries

def random_intercepts(n: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    frame = empty_intercepts()
    days = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    month_only = rng.random(n) < 0.2
    first = days.where(~month_only, days.to_period("M").to_timestamp())
    last = days.where(~month_only, days.to_period("M").to_timestamp(how="end").normalize())
    data = pd.DataFrame({
        "id": [f"r{i}" for i in range(n)], "date": days.where(~month_only), "date_from": first,
        "date_to": last, "persons": rng.integers(1, 30, n),
        "case_type": rng.choice(["smuggling", "trafficking", "unknown"], n),
        "mode": rng.choice(["land", "sea", "air"], n), "agency": "FIA", "place_name": "",
        "nationality": "", "notes": "", "synthetic": True, "source": "test",
    })
    frame = gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(rng.uniform(61, 77.5, n).round(5),
                                                                rng.uniform(24, 37, n).round(5)),
                             crs="EPSG:4326")
    frame["date"] = frame["date"].astype("datetime64[ns]")
    return frame


def brute_force(frame, start, end, case_type=None, mode=None, bbox=None):
    keep = (frame["date_from"] <= pd.Timestamp(end)) & (frame["date_to"] >= pd.Timestamp(start))
    if case_type:
        keep &= frame["case_type"].isin([case_type] if isinstance(case_type, str) else case_type)
    if mode:
        keep &= frame["mode"] == mode
    if bbox:
        x, y = frame.geometry.x, frame.geometry.y
        keep &= (x >= bbox[0]) & (x <= bbox[2]) & (y >= bbox[1]) & (y <= bbox[3])
    return set(frame.loc[keep, "id"])


def test_queries_equal_brute_force_filtering(engine):
    frame = random_intercepts(600, seed=3)
    summary = records.import_records(frame, "random", "test", engine=engine)
    assert summary.inserted == 600
    rng = np.random.default_rng(11)
    for _ in range(25):
        start = pd.Timestamp("2010-01-01") + pd.Timedelta(days=int(rng.integers(0, 700)))
        end = start + pd.Timedelta(days=int(rng.integers(0, 90)))
        x0, y0 = rng.uniform(61, 72), rng.uniform(24, 32)
        bbox = (x0, y0, x0 + rng.uniform(1, 6), y0 + rng.uniform(1, 6))
        case_type = [None, "smuggling", ["trafficking", "unknown"]][int(rng.integers(0, 3))]
        mode = [None, "land", "sea"][int(rng.integers(0, 3))]
        got = records.query_intercepts(start, end, case_type=case_type, mode=mode, bbox=bbox, engine=engine)
        assert set(got["id"]) == brute_force(frame, start, end, case_type, mode, bbox)
    everything = records.query_intercepts(engine=engine)
    assert len(everything) == 600 and everything.crs.to_epsg() == 4326


def test_query_returns_the_records_as_stored(engine):
    frame = random_intercepts(50, seed=5)
    records.import_records(frame, "random", "test", engine=engine)
    got = records.query_intercepts(engine=engine).set_index("id").loc[frame["id"]]
    assert np.allclose(got.geometry.x, frame.geometry.x) and np.allclose(got.geometry.y, frame.geometry.y)
    assert (got["persons"].to_numpy() == frame["persons"].to_numpy()).all()
    assert (got["date"].fillna(got["date_from"]).to_numpy() == frame["date_from"].to_numpy()).all()
    assert (got["date"].fillna(got["date_to"]).to_numpy() == frame["date_to"].to_numpy()).all()
    periods = frame["date"].isna().to_numpy()
    assert (got["date"].isna().to_numpy() == periods).all() and got["date_from"].notna().to_numpy()[periods].all()
    assert got["date_from"].isna().to_numpy()[~periods].all()    # exact days carry no period


def test_month_only_records_overlap_a_window_inside_their_month(engine):
    result = read_intercepts(CORPUS / "dayfirst.csv")   # F-4 is known only as June 2011
    records.import_batch(result, "dayfirst.csv", "amina", engine=engine)
    got = records.query_intercepts("2011-06-10", "2011-06-12", engine=engine)
    assert list(got["id"]) == ["F-4"]
    assert records.query_intercepts("2011-07-01", "2011-07-31", engine=engine).empty


def test_simulated_records_are_stored_and_read_back(engine):
    try:
        from routes import simulate
        from routes.demand import default_demand
        from routes.flows import assign
        from routes.network import default_network
    except ImportError as missing:
        pytest.skip(f"routes pipeline not available yet: {missing}")

    flows = assign(default_network(), default_demand())
    sim = simulate.intercepts(flows, n_months=3, seed=4)
    summary = records.import_records(sim.records, "simulation seed 4", "simulator", engine=engine)
    assert summary.inserted == len(sim.records) > 0
    back = records.query_intercepts(synthetic=True, engine=engine).set_index("id").loc[sim.records["id"]]
    assert (back["persons"].to_numpy() == sim.records["persons"].to_numpy()).all()
    assert back["synthetic"].all() and back["date_from"].isna().all()
    counts = records.count_intercepts(engine=engine)
    expected = sim.records.groupby("case_type")["persons"].sum()
    assert dict(zip(counts["case_type"], counts["persons"])) == \
        {case: int(expected.get(case, 0)) for case in ("smuggling", "trafficking", "unknown")}


def test_province_filter_and_counts_split_by_case_type(engine):
    frame = random_intercepts(400, seed=9)
    records.import_records(frame, "random", "test", engine=engine)
    from geodata.admin import locate

    located = locate(frame.geometry.x, frame.geometry.y)
    in_sindh = set(frame["id"][(located["country"] == "PK") & (located["province"] == "Sindh")])
    got = records.query_intercepts("2010-01-01", "2011-12-31", province="sindh", engine=engine)
    assert set(got["id"]) == brute_force(frame, "2010-01-01", "2011-12-31") & in_sindh
    assert (got["province"] == "Sindh").all() and len(got) > 0
    counts = records.count_intercepts("2010-01-01", "2011-12-31", province="Sindh", engine=engine)
    expected = got.groupby("case_type")["persons"].agg(["count", "sum"])
    assert list(counts["case_type"]) == ["smuggling", "trafficking", "unknown"]
    for row in counts.itertuples():
        assert (row.records, row.persons) == tuple(expected.loc[row.case_type])
    with pytest.raises(ValueError, match="'Atlantis' is not a province or territory of Pakistan"):
        records.query_intercepts(province="Atlantis", engine=engine)


@pytest.mark.parametrize("kwargs, message", [
    ({"case_type": "smugling"}, "case_type \\['smugling'\\] not in smuggling, trafficking, unknown"),
    ({"start": "2011-05-01", "end": "2011-04-01"}, "end 2011-04-01 is before start 2011-05-01"),
    ({"bbox": (70, 30, 60, 35)}, "bbox .* must be \\(lon_min, lat_min, lon_max, lat_max\\)"),
    ({"start": "someday"}, "start 'someday' is not a date"),
])
def test_bad_query_arguments(engine, kwargs, message):
    with pytest.raises(ValueError, match=message):
        records.query_intercepts(engine=engine, **kwargs)


def test_map_query_uses_the_composite_index(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'plan.sqlite'}")
    with engine.connect() as connection:
        plan = connection.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM intercepts WHERE date_from <= '2011-03-31' "
            "AND date_from >= '2011-02-28' AND date_to >= '2011-03-01' AND lon BETWEEN 66 AND 71 "
            "AND lat BETWEEN 23 AND 28")).fetchall()
    assert "ix_intercepts_date_from_lon_lat" in " ".join(str(row) for row in plan)


# ---------------------------------------------------------------- plans

SITES = [{"site_id": "TFN-1", "node": 6_000_000_001, "detection": 0.6, "lon": 61.595, "lat": 28.964},
         {"site_id": "N40-km12", "edge": (12, 13, 0), "detection": 0.35, "capacity": 200.0}]


def test_plans_save_load_and_versions(engine):
    assert plans.save_plan("Makran", SITES, author="amina", note="first", engine=engine) == 1
    loaded = plans.load_plan("Makran", engine=engine)
    assert (loaded.version, loaded.author, loaded.note) == (1, "amina", "first")
    assert list(loaded.sites["site_id"]) == ["TFN-1", "N40-km12"]
    assert loaded.sites["node"].iloc[0] == 6_000_000_001        # OSM-sized ids survive
    assert loaded.sites["edge"].iloc[1] == (12, 13, 0)
    assert loaded.sites.geometry.iloc[0].x == pytest.approx(61.595)
    assert loaded.sites.geometry.iloc[1] is None                  # edge-only site: no made-up point
    # what load_plan returns can be saved again unchanged (copy / rename in the app)
    assert plans.save_plan("Makran copy", loaded.sites, author="amina", engine=engine) == 1
    copied = plans.load_plan("Makran copy", engine=engine).sites
    pd.testing.assert_frame_equal(pd.DataFrame(copied.drop(columns="geometry")),
                                  pd.DataFrame(loaded.sites.drop(columns="geometry")))
    assert plans.save_plan("Makran", SITES[:1], author="bilal", expected_version=1, engine=engine) == 2
    assert len(plans.load_plan("Makran", engine=engine).sites) == 1
    assert len(plans.load_plan("Makran", version=1, engine=engine).sites) == 2
    listing = plans.list_plans(engine=engine)
    assert list(listing[["name", "version", "author", "sites"]].itertuples(index=False, name=None)) == \
        [("Makran", 2, "bilal", 1), ("Makran copy", 1, "amina", 2)]
    assert len(plans.list_plans(all_versions=True, engine=engine)) == 3


def test_stale_save_is_refused(engine):
    plans.save_plan("Chaman", SITES, author="amina", engine=engine)
    plans.save_plan("Chaman", SITES, author="bilal", expected_version=1, engine=engine)
    with pytest.raises(plans.StaleVersionError, match="plan 'Chaman' is at version 2 by bilal"):
        plans.save_plan("Chaman", SITES, author="amina", expected_version=1, engine=engine)
    with pytest.raises(plans.StaleVersionError, match="at version 2"):
        plans.save_plan("Chaman", SITES, author="carol", engine=engine)   # "new plan" with a taken name
    assert plans.latest_version("Chaman", engine=engine) == 2


def test_concurrent_saves_one_wins(engine):
    plans.save_plan("Torkham", SITES, author="amina", engine=engine)
    # Two sessions both read version 1; the unique (name, version) lets only one commit.
    first, second = Session(engine), Session(engine)
    try:
        plans.save_plan("Torkham", SITES, author="amina", expected_version=1, session=first)
        first.flush()
        first.commit()
        with pytest.raises(plans.StaleVersionError):
            plans.save_plan("Torkham", SITES, author="bilal", expected_version=1, session=second)
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("site, message", [
    ({"site_id": "a", "node": 1, "detection": 1.5}, "detection 1.5 must be a probability"),
    ({"site_id": "a", "detection": 0.5}, "site a needs a node or an edge"),
    ({"node": 1, "detection": 0.5}, "site 1 has no site_id"),
])
def test_bad_sites_are_rejected(engine, site, message):
    with pytest.raises(ValueError, match=message):
        plans.save_plan("bad", [site], author="amina", engine=engine)


def test_load_missing_plan(engine):
    with pytest.raises(LookupError, match="no plan named 'nope'"):
        plans.load_plan("nope", engine=engine)


# ---------------------------------------------------------------- users and audit

def test_users(engine):
    created = users.create_user("amina", "correct horse", role="planner", region="Sindh", engine=engine)
    assert created["role"] == "planner" and created["created"].tzinfo is not None
    assert users.verify_password("amina", "correct horse", engine=engine)["region"] == "Sindh"
    assert users.verify_password("amina", "wrong horse!", engine=engine) is None
    assert users.verify_password("nobody", "correct horse", engine=engine) is None
    with pytest.raises(users.UserExistsError, match="user 'amina' already exists"):
        users.create_user("amina", "another pass", role="donor", engine=engine)
    with pytest.raises(ValueError, match="role 'boss' is not one of planner, commander, donor, admin"):
        users.create_user("zed", "long enough", role="boss", engine=engine)
    with pytest.raises(ValueError, match="at least 8 characters"):
        users.create_user("zed", "short", role="donor", engine=engine)
    listing = users.list_users(engine=engine)
    assert list(listing.columns) == ["username", "role", "region", "created", "active"]
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM users")).scalar()
    assert stored.startswith("$2b$") and "correct horse" not in stored


def test_audit_log_is_append_only(engine):
    first = audit.log("amina", "login", {"ip": "10.0.0.1"}, engine=engine)
    audit.log("bilal", "save_plan", {"name": "Makran"}, engine=engine)
    entries = audit.entries(engine=engine)
    assert list(entries["action"]) == ["save_plan", "login"]
    assert entries["detail"].iloc[1] == {"ip": "10.0.0.1"}
    with Session(engine) as session:
        entry = session.get(AuditEntry, first)
        entry.action = "nothing happened"
        with pytest.raises(audit.AuditLogIsAppendOnly):
            session.flush()
    with Session(engine) as session:
        session.delete(session.get(AuditEntry, first))
        with pytest.raises(audit.AuditLogIsAppendOnly):
            session.flush()
    # and below the ORM, the database's own trigger refuses
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log"))
    assert count(engine, AuditEntry) == 2


def test_command_line(tmp_path, monkeypatch, capsys):
    from store.__main__ import main

    monkeypatch.setenv("CHECKPOST_DB_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    reset_engines()
    rejected = tmp_path / "rejected.csv"
    # Issue 11: K-1b has its own id, so all four rows are records; nothing is rejected.
    assert main(["import", str(CORPUS / "duplicates.csv"), "--user", "amina", "--rejected", str(rejected)]) == 0
    assert "'inserted': 4" in capsys.readouterr().out and not rejected.exists()
    assert main(["counts", "--start", "2011-03-01", "--end", "2011-03-31"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["smuggling", "3", "54"] and lines[2].split() == ["trafficking", "0", "0"]
    out = tmp_path / "sindh.geojson"
    assert main(["query", "--province", "Sindh", "--out", str(out)]) == 0
    # Karachi only: Rahim Yar Khan is in Punjab (the old bounding box let it in; the polygons do not).
    assert list(gpd.read_file(out)["id"]) == ["K-1", "K-1b"]
    assert main(["import", str(CORPUS / "bad_values.csv"), "--user", "amina", "--rejected", str(rejected)]) == 0
    assert "id 'B-1' is already used on row 2" in rejected.read_text(encoding="utf-8-sig")
    assert main(["import", str(CORPUS / "empty.csv"), "--user", "amina"]) == 1
    reset_engines()
