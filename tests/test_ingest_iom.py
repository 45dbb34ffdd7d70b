"""A file shaped like the IOM Missing Migrants Project export imports with its profile (issue 11).

The file is generated here: X/Y for longitude/latitude, `Incident year` + `Reported Month`, counts,
`Main ID`s, records sharing date, place and count, points far from Pakistan (Russia, Finland,
Turkey, the US–Mexico border), Nimroz and Zahedan points in Afghanistan and Iran, and a 0/0 row.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest

from geodata.ingest import main, read_intercepts

HEADERS = ["Main ID", "Incident ID", "Incident Type", "Region of Incident", "Incident year", "Reported Month",
           "Number of Dead", "Minimum Estimated Number of Missing", "Total Number of Dead and Missing",
           "Number of Survivors", "Country of Origin", "Cause of Death", "Location of death",
           "Information Source", "URL", "UNSD Geographical Grouping", "Source Quality", "X", "Y"]

# (Main ID, year, month, dead, missing, place, X (lon), Y (lat)) — positions to 4 decimals.
NIMROZ = [(f"2019.{i:04d}", "2019", "March", "4", "0", "Nimroz, Afghanistan", "62.0512", "30.9611")
          for i in range(12)]                                          # same date, place and count, own ids
ROWS = NIMROZ + [
    ("2019.1001", "2019", "April", "2", "1", "Zahedan, Iran", "60.8629", "29.4963"),
    ("2019.1002", "2019", "May", "1", "0", "Taftan, Pakistan", "61.5950", "28.9640"),
    ("2018.2001", "2018", "January", "1", "0", "Alakurtti, Russia", "30.2300", "66.9300"),
    ("2018.2002", "2018", "February", "1", "0", "North Karelia, Finland", "31.0100", "62.5400"),
    ("2017.3001", "2017", "June", "3", "2", "Van, Turkey", "43.3800", "38.5000"),
    ("2017.3002", "2017", "July", "1", "0", "Arizona, USA", "-110.9265", "31.3405"),
    ("2016.4001", "2016", "August", "0", "7", "Mediterranean", "12.5000", "35.5000"),
    ("2016.4002", "2016", "", "1", "0", "Quetta, Pakistan", "66.9750", "30.1798"),   # month not reported
    ("2015.5001", "2015", "September", "2", "0", "unknown location", "0", "0"),     # placeholder position
]


def iom_csv(rows=ROWS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for number, (main_id, year, month, dead, missing, place, x, y) in enumerate(rows):
        total = str(int(dead) + int(missing))
        writer.writerow([main_id, f"I{number}", "Incident", "Southern Asia", year, month, dead, missing, total, "0",
                         "Afghanistan", "Harsh environmental conditions", place, "IOM", "https://example.invalid",
                         "Southern Asia", "3", x, y])
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def iom_file(tmp_path):
    path = tmp_path / "MissingMigrants-Global.csv"
    path.write_bytes(iom_csv())
    return path


def test_cli_with_the_profile_keeps_every_distinct_id_and_every_coordinate(iom_file, tmp_path, capsys):
    out, rejected = tmp_path / "accepted.csv", tmp_path / "rejected.csv"
    code = main([str(iom_file), "--profile", "iom-missing-migrants", "--accepted", str(out),
                 "--rejected", str(rejected)])
    printed = capsys.readouterr().out
    assert code == 0
    assert f"{len(ROWS)} rows read = {len(ROWS) - 1} accepted + 1 rejected + 0 dropped by choice + 0 empty" in printed
    accepted = pd.read_csv(out, dtype={"id": str})
    given = {r[0]: (float(r[6]), float(r[7])) for r in ROWS if r[6] != "0"}
    assert set(accepted["id"]) == set(given)                       # every distinct id kept, Nimroz's 12 too
    for row in accepted.itertuples():
        assert (row.lon, row.lat) == given[row.id]                 # no coordinate changed
    assert "exchanged" not in printed                               # no latitude/longitude swap at all
    reasons = pd.read_csv(rejected, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(reasons["Main ID"]) == ["2015.5001"]
    assert list(reasons["reason"]) == ["coordinates 0, 0 are a placeholder, not a place; enter the real position"]


def test_profile_reading_dates_counts_countries_and_unknown_categories(iom_file):
    result = read_intercepts(iom_file, profile="iom-missing-migrants", today=dt.date(2026, 11, 1))
    accepted = result.accepted.set_index("id")
    assert result.columns["persons"] == "Total Number of Dead and Missing" and result.columns["lon"] == "X"
    assert accepted.loc["2016.4001", "persons"] == 7                # 0 dead + 7 missing
    march = accepted.loc["2019.0000"]
    assert (march["date_from"], march["date_to"], march["date_precision"]) == (
        pd.Timestamp("2019-03-01"), pd.Timestamp("2019-03-31"), "month")
    quetta = accepted.loc["2016.4002"]                              # no month: a year-precision record
    assert (quetta["date_from"], quetta["date_to"], quetta["date_precision"]) == (
        pd.Timestamp("2016-01-01"), pd.Timestamp("2016-12-31"), "year")
    assert set(accepted["mode"]) == {"unknown"} and set(accepted["case_type"]) == {"unknown"}
    assert accepted.loc["2019.0003", "country"] == "Afghanistan" and accepted.loc["2019.1001", "country"] == "Iran"
    assert accepted.loc["2019.1002", "country"] == "Pakistan" and pd.isna(accepted.loc["2018.2001", "country"])
    outside = result.notes[result.notes["kind"] == "outside_pakistan"]
    nimroz_row = int(accepted.loc["2019.0000", "source_row"])
    assert "in Afghanistan; kept" in outside.set_index("row").loc[nimroz_row, "message"]
    assert result.possible_duplicates.empty and not accepted["possible_duplicate"].any()
    assert result.note_counts.get("swap", 0) == 0
    assert result.balance()["balanced"]


def test_the_raw_export_is_mapped_by_its_header_names_with_reasons(iom_file):
    result = read_intercepts(iom_file, today=dt.date(2026, 11, 1))      # no profile at all
    assert len(result.accepted) == len(ROWS) - 1 and not result.file_problems
    reasons = {m.field: m.reason for m in result.mapping}
    assert reasons["year"] == "the header 'Incident year' is a name for year"
    assert reasons["persons"] == "the header 'Total Number of Dead and Missing' is a name for persons"
    persons = next(m for m in result.mapping if m.field == "persons")
    assert "Number of Dead" in persons.candidates


def test_store_import_with_the_profile_is_idempotent_and_refuses_an_empty_result(iom_file, tmp_path, monkeypatch,
                                                                                 capsys):
    from store.__main__ import main as store_main
    from store.db import reset_engines
    from store.records import list_batches

    monkeypatch.setenv("CHECKPOST_DB_URL", f"sqlite:///{tmp_path / 'iom.sqlite'}")
    monkeypatch.chdir(tmp_path)
    reset_engines()
    try:
        assert store_main(["import", str(iom_file), "--user", "amina", "--profile", "iom-missing-migrants"]) == 0
        assert f"'inserted': {len(ROWS) - 1}" in capsys.readouterr().out
        assert store_main(["import", str(iom_file), "--user", "amina", "--profile", "iom-missing-migrants"]) == 0
        assert "already imported as batch 1" in capsys.readouterr().out  # the same file: no second batch
        only_placeholder = tmp_path / "zeros.csv"
        only_placeholder.write_bytes(iom_csv([ROWS[-1]]))
        assert store_main(["import", str(only_placeholder), "--user", "amina", "--profile",
                           "iom-missing-migrants"]) == 1
        printed = capsys.readouterr()
        assert "1 rows read = 0 accepted + 1 rejected" in printed.out and "nothing imported" in printed.err
        assert "zeros_rejected.csv" in printed.out and (tmp_path / "zeros_rejected.csv").exists()
        assert len(list_batches()) == 1            # no batch for the repeat, none for the empty result
    finally:
        reset_engines()
