"""Issue 11: column mapping with reasons, dates from parts, Urdu, identity, swap rules, the report."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geodata.ingest import main, read_intercepts
from geodata.ingest_dates import compose_date, normalise_digits, parse_month, precision_of
from geodata.ingest_mapping import MappingError, parse_map_options, propose_mapping
from geodata.ingest_report import rejection_summary
from geodata.ingest_values import ValueProblem

TODAY = dt.date(2026, 11, 1)


def read(text: str, **options):
    return read_intercepts(text.encode("utf-8"), file_name=options.pop("file_name", "ledger.csv"), today=TODAY,
                           **options)


def points(result) -> list[tuple[float, float]]:
    return [(round(p.y, 6), round(p.x, 6)) for p in result.accepted.geometry]   # (lat, lon)


# ------------------------------------------------------------------ Urdu, digits, dates from parts

def test_urdu_headers_and_urdu_digits():
    result = read("تاریخ,عرض البلد,طول البلد,تعداد,مقام\n"
                  "۱۴/۰۳/۲۰۱۱,۲۴٫۸۶۰۷,۶۷٫۰۰۱۱,۱۲,کراچی\n"
                  "٢٠١١-٠٤-٠٢,28.4202,70.2952,٣,رحیم یار خان\n")
    assert result.rejected.empty and not result.file_problems
    accepted = result.accepted
    assert list(accepted["date"]) == [pd.Timestamp("2011-03-14"), pd.Timestamp("2011-04-02")]
    assert list(accepted["persons"]) == [12, 3] and points(result)[0] == (24.8607, 67.0011)
    assert list(accepted["place_name"]) == ["کراچی", "رحیم یار خان"]
    reasons = {m.field: m.reason for m in result.mapping}
    assert reasons["date"] == "the Urdu header 'تاریخ' means date"


def test_a_date_composed_from_three_columns_and_year_only_dates_keep_their_precision():
    result = read("سال,مہینہ,دن,lat,lon\n2011,مارچ,14,24.8607,67.0011\n2011,March,,24.8607,67.0011\n"
                  "2011,,,24.8607,67.0011\n۲۰۱۰,۱۱,۳۰,24.8607,67.0011\n")
    accepted = result.accepted
    assert result.rejected.empty, result.rejected[["row", "reason"]]
    assert list(accepted["date_precision"]) == ["day", "month", "year", "day"]
    assert accepted["date"].iloc[0] == pd.Timestamp("2011-03-14")
    assert (accepted["date_from"].iloc[1], accepted["date_to"].iloc[1]) == (pd.Timestamp("2011-03-01"),
                                                                            pd.Timestamp("2011-03-31"))
    assert pd.isna(accepted["date"].iloc[2])                       # a year is not 1 January
    assert (accepted["date_from"].iloc[2], accepted["date_to"].iloc[2]) == (pd.Timestamp("2011-01-01"),
                                                                            pd.Timestamp("2011-12-31"))
    assert accepted["date"].iloc[3] == pd.Timestamp("2010-11-30")


def test_date_parts_and_their_errors():
    assert compose_date("2016", "Feb", "29") == (dt.date(2016, 2, 29), dt.date(2016, 2, 29), "day")
    assert compose_date("2015", "فروری")[2] == "month" and compose_date("2015")[2] == "year"
    with pytest.raises(ValueProblem, match="day 29 does not exist in February 2015"):
        compose_date("2015", "2", "29")
    with pytest.raises(ValueProblem, match="day '3' is given but the month is empty"):
        compose_date("2015", "", "3")
    with pytest.raises(ValueProblem, match="month 13 is not between 1 and 12"):
        parse_month("13")
    assert normalise_digits("۱۴/۰۳/۲۰۱۱") == "14/03/2011" and normalise_digits("٣٫٥") == "3.5"
    assert precision_of(dt.date(2011, 3, 1), dt.date(2011, 3, 10)) == "month"
    assert precision_of(dt.date(2011, 3, 20), dt.date(2011, 4, 5)) == "year"


def test_the_date_precision_is_stored_and_comes_back(tmp_path):
    from store.db import get_engine
    from store.records import import_batch, query_intercepts

    engine = get_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    result = read("year,month,lat,lon\n2011,3,24.8607,67.0011\n2011,,24.9,67.1\n")
    import_batch(result, "parts.csv", "amina", engine=engine)
    back = query_intercepts(engine=engine).sort_values("date_from")
    assert list(back["date_precision"]) == ["year", "month"]
    assert list(back["position_precision"]) == ["point", "point"]


# ------------------------------------------------------------------ proposals, overrides, file problems

def test_proposals_from_values_when_names_say_nothing():
    headers = ["yr", "mon", "cnt", "a", "b"]
    sample = [["2011", "March", "3", "24.86", "67.01"], ["2012", "April", "4", "25.12", "62.33"]]
    by_field = {m.field: m for m in propose_mapping(headers, sample)}
    assert (by_field["year"].column, by_field["year"].reason) == ("yr", "guessed: values are four-digit years "
                                                                        "(2011–2012)")
    assert (by_field["month"].column, by_field["month"].reason) == ("mon", "guessed: values are month names")
    # positions are offered as candidates, never assumed from values
    assert by_field["lat"].column is None and by_field["lat"].candidates == ["a (decimal values within −90..90)",
                                                                             "b (decimal values within −90..90)"]


def test_a_missing_date_is_one_file_problem_with_candidates_not_copied_on_every_row():
    text = "Remark,Where lat,Where lon,How many\nboat,24.8607,67.0011,3\nbus,25.1216,62.3254,2\n"
    result = read(text, mapping={"lat": "Where lat", "lon": "Where lon"})
    assert [p["field"] for p in result.file_problems] == ["date"]
    assert result.file_problems[0]["candidates"] == ["How many"]      # the unused column (Remark is notes)
    assert result.accepted.empty and len(result.rejected) == 2
    assert set(result.rejected["reason"]) == {"not read: the file has no date column (see the file problems at "
                                              "the top of the report)"}
    assert result.balance()["balanced"]


def test_a_date_column_is_guessed_from_its_values_and_the_guess_can_be_overridden():
    text = "When,Where lat,Where lon,How many\n14/03/2011,24.8607,67.0011,3\n15/03/2011,25.1216,62.3254,2\n"
    result = read(text, mapping={"lat": "Where lat", "lon": "Where lon", "persons": "How many"})
    date = next(m for m in result.mapping if m.field == "date")
    assert (date.column, date.reason) == ("When", "guessed: values read as dates")
    assert len(result.accepted) == 2 and list(result.accepted["persons"]) == [3, 2]
    unmapped = read(text, mapping={"lat": "Where lat", "lon": "Where lon", "date": ""})
    assert [p["field"] for p in unmapped.file_problems] == ["date"]


def test_cli_map_options_and_a_file_with_nothing_accepted(tmp_path, capsys):
    path = tmp_path / "partner.csv"
    path.write_text("date,persons,Where lat,Where lon\n14/03/2011,2,24.8607,67.0011\n", encoding="utf-8")
    assert main([str(path), "--rejected", str(tmp_path / "r.csv")]) == 1
    printed = capsys.readouterr().out
    assert printed.count("file problem: the file has neither latitude/longitude") == 1
    assert "candidate columns: Where lat (decimal values within −90..90), Where lon" in printed
    assert "1 rows read = 0 accepted + 1 rejected" in printed
    assert main([str(path), "--map", "lat=Where lat", "--map", "lon=Where lon"]) == 0
    assert "1 rows read = 1 accepted + 0 rejected" in capsys.readouterr().out
    assert main([str(path), "--map", "lat=Nowhere"]) == 1
    assert "the file has no column 'Nowhere'" in capsys.readouterr().out
    assert main([str(path), "--map", "latitude"]) == 2
    unknown_field = read("date,lat,lon,a\n2011-03-14,24.8,67.0,1\n", mapping={"height": "a"})
    assert "'height' is not a Checkpost field" in unknown_field.file_errors[0] and unknown_field.accepted.empty
    with pytest.raises(MappingError, match="must be FIELD=COLUMN"):
        parse_map_options(["latitude"])
    assert parse_map_options(["date = Incident Date", "notes="]) == {"date": "Incident Date", "notes": ""}


def test_only_position_and_date_are_required():
    result = read("date,lat,lon\n2011-03-14,24.8607,67.0011\n")
    record = result.accepted.iloc[0]
    assert (record["persons"], record["mode"], record["case_type"]) == (1, "unknown", "unknown")
    messages = list(result.notes["message"])
    assert "the file has no persons column; every record counts as 1 person" in messages
    blank = read("date,lat,lon,persons,mode\n2011-03-14,24.8607,67.0011,,\n")
    assert blank.accepted.iloc[0]["persons"] == 1 and blank.note_counts["persons_default"] == 1
    assert blank.accepted.iloc[0]["mode"] == "unknown" and blank.note_counts["mode_blank"] == 1


# ------------------------------------------------------------------ identity and duplicates

LOOKALIKES = ("date,lat,lon,persons,place_name,notes\n"
              "2011-03-14,24.8607,67.0011,12,Karachi,boat A\n"
              "2011-03-14,24.8607,67.0011,12,Karachi,boat B\n"
              "2011-03-14,24.8607,67.0011,12,Karachi,boat A\n"
              "2011-03-15,25.1216,62.3254,3,Gwadar,\n"
              "2011-03-15,25.1216,62.3254,3,Gwadar,other clerk\n")


def test_without_ids_exact_duplicates_are_rejected_and_lookalikes_kept_and_grouped():
    result = read(LOOKALIKES)
    assert list(result.rejected["reason"]) == ["duplicate of row 2 (every field the same); not counted twice"]
    assert result.duplicates == 1 and len(result.accepted) == 4
    table = result.possible_duplicates
    assert list(zip(table["group"], table["row"])) == [(2, 2), (2, 3), (5, 5), (5, 6)]
    assert result.accepted["possible_duplicate"].all()
    dropped = result.drop_possible_duplicates([2])
    assert list(dropped.accepted["source_row"]) == [2, 5, 6] and dropped.dropped == 1
    assert dropped.balance() == {"rows_read": 5, "accepted": 3, "rejected": 1, "dropped_by_choice": 1,
                                 "empty_rows": 0, "balanced": True}
    assert list(dropped.accepted["possible_duplicate"]) == [False, True, True]


def test_distinct_ids_are_distinct_records_always():
    text = ("id,date,lat,lon,persons\nA-1,2011-03-14,24.8607,67.0011,12\nA-2,2011-03-14,24.8607,67.0011,12\n"
            "A-1,2011-03-14,24.8607,67.0011,12\nA-1,2011-03-15,24.8607,67.0011,12\n")
    result = read(text)
    assert list(result.accepted["id"]) == ["A-1", "A-2"] and result.possible_duplicates.empty
    assert dict(zip(result.rejected["row"], result.rejected["reason"])) == {
        4: "duplicate of row 2 (same id 'A-1' and the same content); not counted twice",
        5: "id 'A-1' is already used on row 2; ids must be unique"}


def test_reimport_is_idempotent(tmp_path):
    from store.db import get_engine
    from store.records import import_batch

    engine = get_engine(f"sqlite:///{tmp_path / 'i.sqlite'}")
    first = import_batch(read(LOOKALIKES), "lookalikes.csv", "amina", engine=engine)
    again = import_batch(read(LOOKALIKES), "lookalikes.csv", "amina", engine=engine)
    assert (first.inserted, again.inserted, again.already_present) == (4, 0, 4)


# ------------------------------------------------------------------ swap rules

def test_valid_points_in_finland_turkey_and_pakistan_stay_where_they_are():
    result = read("latitude,longitude,date\n62.5400,31.0100,2011-03-14\n66.9300,30.2300,2011-03-15\n"
                  "38.5000,43.3800,2011-03-16\n30.1798,66.9750,2011-03-17\n")
    assert points(result) == [(62.54, 31.01), (66.93, 30.23), (38.5, 43.38), (30.1798, 66.975)]
    assert result.note_counts.get("swap", 0) == 0
    assert list(result.accepted["country"].fillna("-")) == ["-", "-", "-", "Pakistan"]
    hint_rows = set(result.notes.loc[result.notes["kind"] == "swap_hint", "row"])
    assert hint_rows == {3}                          # exchanged, Alakurtti's pair would be Quetta: a hint only


def test_a_file_swapped_throughout_is_swapped_back_with_a_note_on_each_row():
    result = read("latitude,longitude,date\n67.0011,24.8607,2011-03-14\n62.3254,25.1216,2011-03-15\n"
                  "66.9750,30.1798,2011-03-16\n")
    assert points(result) == [(24.8607, 67.0011), (25.1216, 62.3254), (30.1798, 66.975)]
    swaps = result.notes[result.notes["kind"] == "swap"]
    assert list(swaps["row"]) == [2, 3, 4]
    assert swaps["message"].iloc[0] == ("latitude and longitude exchanged because the whole file is swapped: before "
                                        "latitude 67.0011, longitude 24.8607; after latitude 24.8607, longitude 67.0011")
    assert any("exchanged throughout the file: 3 of 3 rows" in m for m in result.notes["message"])


def test_a_single_impossible_latitude_is_swapped_with_a_note():
    result = read("latitude,longitude,date\n24.8607,67.0011,2011-03-14\n120,30.5,2011-03-15\n")
    assert points(result) == [(24.8607, 67.0011), (30.5, 120.0)]
    swap = result.notes[result.notes["kind"] == "swap"]
    assert list(swap["row"]) == [3]
    assert "latitude 120 is impossible (beyond ±90): before latitude 120, longitude 30.5" in swap["message"].iloc[0]


def test_points_in_iran_and_afghanistan_are_named_by_polygon():
    # Both lie inside Pakistan's old bounding box; only the polygons tell them apart.
    result = read("date,lat,lon\n2011-03-14,29.4963,60.8629\n2011-03-15,30.9611,62.0512\n"
                  "2011-03-16,25.1216,62.3254\n")
    assert list(result.accepted["country"]) == ["Iran", "Afghanistan", "Pakistan"]
    outside = result.notes[result.notes["kind"] == "outside_pakistan"].set_index("row")["message"]
    assert outside[2].endswith("in Iran; kept") and outside[3].endswith("in Afghanistan; kept") and 4 not in outside


# ------------------------------------------------------------------ report

def test_rejections_grouped_by_reason_and_rows_always_balance():
    text = ("date,lat,lon,persons\n2011-03-14,95,200,2\n2011-03-15,-96.5,190,2\n2011-03-14,24.8607,67.0,0\n"
            "2011-03-14,24.8607,67.0,2\n\n")
    result = read(text)
    summary = rejection_summary(result.rejected)
    assert summary.to_dict("records") == [
        {"reason": "latitude 95 is outside −90..90", "field": "latitude/longitude", "rows": 2, "example_rows": "2, 3"},
        {"reason": "persons 0 must be at least 1", "field": "persons", "rows": 1, "example_rows": "4"}]
    assert result.balance()["balanced"] and result.empty_rows == 1
    from pathlib import Path

    corpus = Path(__file__).resolve().parent / "data" / "corpus"
    for name in ("bad_values.csv", "empty_rows.csv", "truncated.csv", "comma_decimal_unquoted.csv", "header_only.csv"):
        assert read_intercepts(corpus / name, today=TODAY).balance()["balanced"], name


def test_attack_strings_in_headers_and_cells_never_reach_an_export_as_formulas():
    text = ('date,lat,lon,"=HYPERLINK(""http://x"")",notes\n2011-03-14,24.86,67.0,x,<img src=x onerror=alert(1)>\n'
            "yesterday,24.86,67.0,=1+2,@SUM(1)\n")
    result = read(text)
    exported = result.rejected_file().decode("utf-8-sig")
    assert exported.startswith('date,lat,lon,"\'=HYPERLINK') and ",=1+2" not in exported and "'@SUM(1)" in exported
    assert result.accepted["notes"].iloc[0] == "<img src=x onerror=alert(1)>"   # kept as text; maps escape it


# ------------------------------------------------------------------ profiles in the store

def test_profiles_are_saved_with_who_and_when_and_offered_for_the_same_columns(tmp_path, monkeypatch, capsys):
    from store.db import get_engine, reset_engines
    from store.profiles import get_profile, list_profiles, profiles_for, save_profile

    engine = get_engine(f"sqlite:///{tmp_path / 'profiles.sqlite'}")
    headers = ["Tareekh", "Arz", "Tool", "Afraad"]
    saved = save_profile("quetta-office", {"date": "Tareekh", "lat": "Arz", "lon": "Tool"}, headers, "amina",
                         engine=engine)
    assert saved.created_by == "amina" and saved.created_at and saved.origin == "store"
    assert [p.name for p in profiles_for(["afraad", "TAREEKH", "tool", "arz"], engine=engine)] == ["quetta-office"]
    assert "checkpost-template" in [p.name for p in profiles_for(
        ["id", "date", "latitude", "longitude", "persons"], engine=engine)]
    with pytest.raises(MappingError, match="already exists"):
        save_profile("quetta-office", {"date": "Tareekh"}, headers, "bilal", engine=engine)
    with pytest.raises(MappingError, match="is a shipped profile"):
        save_profile("iom-missing-migrants", {"date": "Tareekh"}, headers, "bilal", engine=engine)
    with pytest.raises(MappingError, match="columns not in the file"):
        save_profile("other", {"date": "Datum"}, headers, "bilal", engine=engine)
    data = "Tareekh,Arz,Tool,Afraad\n2011-03-14,24.8607,67.0011,3\n".encode()
    result = read_intercepts(data, file_name="q.csv", profile=get_profile("quetta-office", engine=engine))
    assert len(result.accepted) == 1 and result.accepted["persons"].iloc[0] == 3   # afraad by its own name
    assert [p.name for p in list_profiles(engine=engine)] == ["quetta-office"]

    from store.__main__ import main as store_main

    monkeypatch.setenv("CHECKPOST_DB_URL", f"sqlite:///{tmp_path / 'profiles.sqlite'}")
    monkeypatch.chdir(tmp_path)
    reset_engines()
    try:
        (tmp_path / "q.csv").write_bytes(data)
        assert store_main(["import", "q.csv", "--user", "amina", "--profile", "quetta-office",
                           "--save-profile", "quetta-2"]) == 0
        assert store_main(["profiles"]) == 0
        printed = capsys.readouterr().out
        assert "column mapping saved as profile 'quetta-2'" in printed
        assert "quetta-2 (by amina at " in printed and "iom-missing-migrants (shipped)" in printed
    finally:
        reset_engines()


def test_a_position_from_the_gazetteer_is_recorded_as_place_precision():
    from pathlib import Path

    result = read_intercepts(Path(__file__).resolve().parent / "data" / "corpus" / "places_only.csv", today=TODAY)
    if result.accepted.empty:
        pytest.skip("the gazetteer's data is not available")
    assert list(result.accepted["position_precision"]) == ["place", "place", "place"]
    assert list(read("date,lat,lon\n2011-03-14,24.8607,67.0011\n").accepted["position_precision"]) == ["point"]
