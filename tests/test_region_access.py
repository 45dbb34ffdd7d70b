"""Region isolation in one place (store.access) and commanders' regions (issue 16 S2/S3, issue 12).

Records at known towns: a Balochistan commander sees Quetta, Turbat and Gwadar only — never Karachi,
Sukkur, Rahim Yar Khan (the old bounding box let those in), Zahedan or Kandahar.
"""
from __future__ import annotations

import ast
import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy import text, update

from geodata.schema import INTERCEPT_DEFAULTS, empty_intercepts
from store import access, users
from store.db import get_engine, migrate, reset_engines, session_scope
from store.models import User
from store.plans import save_plan
from store.records import import_records, query_intercepts

ROOT = Path(__file__).resolve().parents[1]
TOWNS = {  # id: (lon, lat) — province by common knowledge
    "quetta": (66.99, 30.18), "turbat": (63.05, 26.00), "gwadar": (62.33, 25.13),          # Balochistan
    "karachi": (67.01, 24.86), "sukkur": (68.86, 27.70), "hyderabad": (68.37, 25.40),     # Sindh
    "rahim-yar-khan": (70.30, 28.42),                                                     # Punjab
    "zahedan": (60.86, 29.50), "kandahar": (65.71, 31.61), "amritsar": (74.87, 31.63),   # abroad
}
BALOCHISTAN = {"quetta", "turbat", "gwadar"}
COMMANDER = {"username": "bilal", "role": "commander", "region": "Balochistan"}
PLANNER = {"username": "amina", "role": "planner", "region": None}


def town_records() -> gpd.GeoDataFrame:
    frame = empty_intercepts()
    rows = pd.DataFrame({"id": list(TOWNS), "date": pd.Timestamp("2024-03-01"), "date_from": pd.NaT,
                         "date_to": pd.NaT, "persons": 3, "case_type": "smuggling", "mode": "land",
                         "agency": "FIA", "place_name": list(TOWNS), "nationality": "", "notes": "",
                         "synthetic": False, "source": "test", **INTERCEPT_DEFAULTS})
    geometry = gpd.points_from_xy([p[0] for p in TOWNS.values()], [p[1] for p in TOWNS.values()], crs="EPSG:4326")
    return gpd.GeoDataFrame(rows.astype(frame.dtypes.drop("geometry").to_dict()), geometry=geometry, crs="EPSG:4326")


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("CHECKPOST_DB_URL", f"sqlite:///{tmp_path / 'access.sqlite'}")
    reset_engines()
    import_records(town_records(), "towns", "test")
    yield get_engine()
    reset_engines()


def test_every_stored_record_is_tagged_at_import(db):
    got = query_intercepts().set_index("id")
    assert got.loc["sukkur", ["country", "province", "district"]].tolist() == ["PK", "Sindh", "Sukkur"]
    assert got.loc["rahim-yar-khan", "province"] == "Punjab"
    assert got.loc["zahedan", ["country", "province"]].tolist() == ["IR", "Sistan and Baluchestan"]
    assert got.loc["amritsar", "country"] == "IN" and pd.isna(got.loc["amritsar", "province"])


def test_balochistan_commander_sees_no_record_in_sindh_or_abroad(db):
    assert set(access.records(COMMANDER)["id"]) == BALOCHISTAN
    assert set(access.records(PLANNER)["id"]) == set(TOWNS)
    counts = access.record_counts(COMMANDER)
    assert int(counts["records"].sum()) == 3 and int(counts["persons"].sum()) == 9
    assert len(access.record_positions(COMMANDER)) == 3
    # the region is applied on top of whatever the page asks for
    assert set(access.records(COMMANDER, province="Sindh")["id"]) == set()
    districts = {"username": "d", "role": "commander", "region": "districts: Quetta; Kech"}
    assert set(access.records(districts)["id"]) == {"quetta", "turbat"}


def test_records_handed_in_are_filtered_too(db):
    staged = town_records()
    assert set(access.within_region(COMMANDER, staged)["id"]) == BALOCHISTAN
    assert len(access.within_region(PLANNER, staged)) == len(TOWNS)


@pytest.mark.parametrize("user, message", [
    ({"username": "c", "role": "commander", "region": None}, "no valid region"),
    ({"username": "c", "role": "commander", "region": "Atlantis"}, "no valid region"),
    ({"username": "d", "role": "donor"}, "may not see case records"),
    ({"username": "a", "role": "admin"}, "no access to intercept records"),
    (None, "Sign in first"),
])
def test_no_region_no_records(db, user, message):
    with pytest.raises(access.AccessDenied, match=message):
        access.records(user)


def test_a_click_in_sukkur_is_refused_naming_where_it_fell(db):
    from ui.plan_actions import handle_click

    allowed, message = access.check_position(COMMANDER, 68.86, 27.70)
    assert not allowed and "Sindh, Sukkur district" in message and "outside your region Balochistan" in message
    level, shown = handle_click({"sites": []}, COMMANDER, 68.86, 27.70, mode="add", selected=None,
                                detection=0.5, G=None)  # refused before the network is touched
    assert level == "warning" and "Sukkur district" in shown
    assert access.check_position(COMMANDER, 66.99, 30.18) == (True, "")


def test_commander_gets_only_their_sites_of_a_plan_and_cannot_save_outside(db):
    from ui.plan_actions import save_proposal
    from ui.proposal import new_proposal

    sites = [{"site_id": "quetta", "node": 1, "edge": None, "detection": 0.5, "lon": 66.99, "lat": 30.18},
             {"site_id": "sukkur", "node": 2, "edge": None, "detection": 0.5, "lon": 68.86, "lat": 27.70}]
    save_plan("Mixed", sites, author="amina")
    assert access.plan(COMMANDER, "Mixed").sites["site_id"].tolist() == ["quetta"]
    assert access.plan(PLANNER, "Mixed").sites["site_id"].tolist() == ["quetta", "sukkur"]
    level, message = save_proposal(new_proposal(sites=sites), COMMANDER, "Bilal's", "")
    assert level == "error" and "sukkur" in message and "Sindh, Sukkur district" in message


def test_commander_needs_a_valid_region_at_creation(db):
    with pytest.raises(ValueError, match="no region given"):
        users.create_user("c1", "long passphrase", role="commander")
    with pytest.raises(ValueError, match="'Atlantis'"):
        users.create_user("c2", "long passphrase", role="commander", region="Atlantis")
    made = users.create_user("c3", "long passphrase", role="commander", region="districts: quetta, pishin")
    assert made["region"] == "districts: Quetta; Pishin"
    assert users.create_user("p1", "long passphrase", role="planner")["region"] is None


def test_command_lines_refuse_a_commander_without_region(db, capsys, monkeypatch):
    from store.__main__ import main as store_main
    from ui.accounts import main as accounts_main, update_user

    monkeypatch.setattr("sys.stdin", io.StringIO("long passphrase\n"))
    assert accounts_main(["create", "c4", "--role", "commander", "--password-stdin"]) == 2
    assert "no region given" in capsys.readouterr().err
    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("asked for a password"))
    assert store_main(["add-user", "c5", "--role", "commander", "--region", "Atlantis"]) == 2
    assert "'Atlantis'" in capsys.readouterr().err
    assert users.get_user("c4") is None and users.get_user("c5") is None
    users.create_user("c6", "long passphrase", role="planner")
    with pytest.raises(ValueError, match="no region given"):
        update_user("c6", actor="admin", role="commander")  # a planner made commander needs a region too


def test_sign_in_refuses_a_commander_whose_region_is_gone(db):
    from ui import auth

    users.create_user("c7", "long passphrase", role="commander", region="Sindh")
    assert auth.check_credentials("c7", "long passphrase", limiter=auth.SignInLimiter())["region"] == "Sindh"
    with session_scope() as session:  # e.g. an account from before regions were checked
        session.execute(update(User).where(User.username == "c7").values(region="Karachi Division"))
    with pytest.raises(users.SignInRefused, match="cannot sign in"):
        auth.check_credentials("c7", "long passphrase", limiter=auth.SignInLimiter())


UNSCOPED = {"query_intercepts", "count_intercepts", "query_positions", "load_plan", "import_batch"}


def _unscoped_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module in ("store.records", "store.plans"):
            found += [f"{path.name}: {a.name}" for a in node.names if a.name in UNSCOPED - {"import_batch"}]
    return found


def test_no_page_fetches_records_or_plans_around_store_access():
    files = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"] + \
        [p for p in sorted((ROOT / "ui").glob("*.py")) if p.name != "demo_data.py"]  # demo seeding is not a fetch
    offenders = [hit for path in files for hit in _unscoped_imports(path)]
    assert offenders == []


def test_migration_backfills_stored_records(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'old.sqlite'}", upgrade=False)
    migrate(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO intercepts (record_id, content_hash, date_from, date_to, span_days, persons, case_type, "
            "mode, synthetic, lon, lat) VALUES ('old-1', 'h1', '2020-01-01', '2020-01-01', 0, 2, 'smuggling', "
            "'land', 0, 68.86, 27.70), ('old-2', 'h2', '2020-01-01', '2020-01-01', 0, 2, 'smuggling', 'land', 0, "
            "60.86, 29.50)"))
    migrate(engine, "head")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT record_id, country, province, district FROM intercepts "
                                       "ORDER BY record_id")).fetchall()
    assert [tuple(r) for r in rows] == [("old-1", "PK", "Sindh", "Sukkur"),
                                        ("old-2", "IR", "Sistan and Baluchestan", None)]


@pytest.fixture
def pg_engine():
    import os
    import uuid

    from sqlalchemy import create_engine

    url = os.environ.get("CHECKPOST_TEST_PG_URL")
    if not url:
        pytest.skip("set CHECKPOST_TEST_PG_URL to also run against PostgreSQL")
    name = "checkpost_region_" + uuid.uuid4().hex[:10]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield get_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    reset_engines()
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def test_postgis_point_with_gist_index_gives_the_sqlite_answers(pg_engine, tmp_path):
    from store.records import count_intercepts

    with pg_engine.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")):
            pytest.skip("PostGIS is not installed on this PostgreSQL server")
    sqlite = get_engine(f"sqlite:///{tmp_path / 'same.sqlite'}")
    for engine in (pg_engine, sqlite):
        import_records(town_records(), "towns", "test", engine=engine)
    with pg_engine.connect() as connection:
        method = connection.scalar(text("SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                                        "JOIN pg_am am ON am.oid = c.relam WHERE c.relname = 'ix_intercepts_geom'"))
        placed = connection.scalar(text("SELECT count(*) FROM intercepts WHERE ST_Equals(geom, "
                                        "ST_SetSRID(ST_MakePoint(lon, lat), 4326))"))
    assert method == "gist" and placed == len(TOWNS)
    box = (60.0, 24.0, 67.5, 31.0)
    for query in ({"bbox": box}, {"province": "Balochistan"}, {"region": "districts: Sukkur; Karachi"},
                  {"country": ["IR", "AF"]}):
        on_pg = set(query_intercepts(engine=pg_engine, **query)["id"])
        assert on_pg == set(query_intercepts(engine=sqlite, **query)["id"]) and on_pg, query
    assert count_intercepts(province="Sindh", engine=pg_engine)["records"].sum() == 3


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/hotspots.py", "pages/plans.py", "pages/propose.py"])
def test_pages_tell_a_commander_without_region_instead_of_a_traceback(page, monkeypatch, tmp_path):
    """A commander stored without a region (data from before regions were required) is signed out
    with the reason on every page run: no page is reached, no traceback is shown."""
    import time

    from streamlit.testing.v1 import AppTest

    from app_fixtures import fresh_database, plant_records, small_demand, small_network
    from store.db import session_scope
    from store.models import User
    from ui import auth

    monkeypatch.delenv("CHECKPOST_DEMO", raising=False)
    fresh_database(monkeypatch, tmp_path)
    plant_records()
    with session_scope() as session:   # bypasses create_user, which refuses such an account
        session.add(User(username="c-none", password_hash="x", role="commander", region=None, active=True))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["user"] = {"username": "c-none", "role": "commander", "region": None}
    at.session_state[auth.SIGNED_IN_AT_KEY] = at.session_state[auth.LAST_SEEN_KEY] = time.time()
    at.session_state["app_network"], at.session_state["app_demand"] = small_network(), small_demand()
    at.run()
    assert not at.exception, at.exception
    shown = [e.value for e in (*at.error, *at.warning, *at.info)]
    assert any("a commander needs one province or a list of districts" in text for text in shown), shown
    assert "user" not in at.session_state
    with pytest.raises(ValueError, match="Known pages: \\['Sign in'\\]"):
        at.switch_page(page)
