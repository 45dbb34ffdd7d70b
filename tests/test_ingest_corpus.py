"""Each file of the bad-file corpus (tests/data/corpus, made by tests/data/make_corpus.py) gives its
documented result: the right rows accepted, the right reasons for the rest, and no exception."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from geodata.crs import geodesic_m
from geodata.ingest import read_intercepts

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
TODAY = dt.date(2026, 11, 1)

# Known positions (lat, lon) of the corpus places.
KARACHI = (24.8607, 67.0011)
GWADAR = (25.1216, 62.3254)
QUETTA = (30.1798, 66.9750)
TAFTAN = (28.9640, 61.5950)


def read(name, **options):
    return read_intercepts(CORPUS / name, today=TODAY, **options)


def near(point, place, metres=1.0):
    return geodesic_m(point.x, point.y, place[1], place[0]) < metres


def reasons(result):
    return dict(zip(result.rejected["row"], result.rejected["reason"]))


def test_every_corpus_file_reads_without_an_exception():
    files = sorted(p for p in CORPUS.iterdir() if p.suffix != ".md")
    assert len(files) >= 30
    for path in files:
        result = read_intercepts(path, today=TODAY)
        assert result.file_errors or len(result.accepted) + len(result.rejected) > 0, path.name


@pytest.mark.parametrize("name, count", [("clean.csv", 6), ("clean.xlsx", 6), ("clean.geojson", 3),
                                         ("clean_utm.gpkg", 3), ("clean_shp.zip", 3)])
def test_clean_files_in_every_format(name, count):
    result = read(name)
    assert result.ok and len(result.accepted) == count and result.rejected.empty
    accepted = result.accepted
    assert set(accepted["case_type"]) <= {"smuggling", "trafficking", "unknown"}
    assert accepted.crs.to_epsg() == 4326
    first = accepted.iloc[0]
    if name == "clean_shp.zip":  # the shapefile holds the last three records
        assert first["id"] == "K-4" and first["place_name"] == "Quetta" and near(first.geometry, QUETTA)
    else:
        assert first["id"] == "K-1" and first["persons"] == 12 and near(first.geometry, KARACHI)
        assert first["date"] == dt.datetime(2011, 3, 14)


def test_geopackage_in_utm_is_reprojected():
    result = read("clean_utm.gpkg")
    assert any("reprojected from EPSG:32642" in m for m in result.notes["message"])
    assert near(result.accepted.geometry.iloc[1], GWADAR)


def test_shapefile_truncated_field_name_is_matched():
    result = read("clean_shp.zip")
    assert list(result.accepted["case_type"]) == ["trafficking", "unknown", "unknown"]
    assert list(result.accepted["mode"]) == ["land", "land", "air"]
    assert result.columns["nationality"] == "nationalit"
    assert list(result.accepted["nationality"]) == ["Pakistani", "Afghan", "Pakistani"]


def test_dms_and_ddm_coordinates():
    result = read("dms.csv")
    assert len(result.accepted) == 4
    geometry = result.accepted.geometry
    assert near(geometry.iloc[0], KARACHI)
    assert near(geometry.iloc[1], GWADAR, metres=10)   # written to 0.1", i.e. within 3 m
    assert near(geometry.iloc[2], QUETTA)
    assert near(geometry.iloc[3], TAFTAN)
    assert result.note_counts["conversion"] == 4


def test_swapped_coordinates_are_detected_and_reported():
    # Issue 11: a valid coordinate is never moved. Row 3 (lat 62.3254, lon 25.1216) is a real point in
    # Finland, so it is kept as given with a hint; row 4's hemisphere letters say it is swapped.
    result = read("swapped.csv")
    assert len(result.accepted) == 3
    finland = result.accepted.geometry.iloc[1]
    assert (finland.x, finland.y) == (25.1216, 62.3254)
    assert near(result.accepted.geometry.iloc[2], QUETTA, metres=20)  # written to whole seconds
    swaps = result.notes[result.notes["kind"] == "swap"]
    assert list(swaps["row"]) == [4]
    assert "hemisphere letters" in swaps["message"].iloc[0]
    hints = result.notes[result.notes["kind"] == "swap_hint"]
    assert list(hints["row"]) == [3] and "it would lie in Pakistan" in hints["message"].iloc[0]


def test_projected_coordinates_with_declared_crs():
    result = read("projected_utm.csv")
    assert len(result.accepted) == 2
    assert near(result.accepted.geometry.iloc[0], KARACHI, metres=0.5)
    assert near(result.accepted.geometry.iloc[1], QUETTA, metres=0.5)


def test_projected_coordinates_without_crs_are_rejected_then_accepted_with_crs():
    result = read("projected_nocrs.csv")
    assert result.accepted.empty
    assert "look like projected coordinates in metres; declare their CRS" in reasons(result)[2]
    fixed = read("projected_nocrs.csv", crs="EPSG:32642")
    assert len(fixed.accepted) == 1 and near(fixed.accepted.geometry.iloc[0], KARACHI, metres=0.5)


def test_semicolon_file_with_decimal_commas():
    result = read("comma_decimal.csv")
    assert len(result.accepted) == 3 and near(result.accepted.geometry.iloc[1], GWADAR)


def test_unquoted_decimal_comma_splits_the_row_and_says_so():
    result = read("comma_decimal_unquoted.csv")
    assert len(result.accepted) == 1
    assert reasons(result)[3].startswith("row has 9 values but the header has 7 columns")
    # nothing is lost: the overflow values are kept with the rejected row
    row = result.rejected.iloc[0]
    assert (row["persons"], row["extra_1"], row["extra_2"]) == ("62", "smuggling", "sea")


def test_day_first_dates_and_month_periods():
    result = read("dayfirst.csv")
    accepted = result.accepted.set_index("id")
    assert accepted.loc["F-1", "date"] == dt.datetime(2011, 3, 14)
    assert accepted.loc["F-2", "date"] == dt.datetime(2011, 4, 3)     # 03/04 is 3 April
    assert accepted.loc["F-3", "date"] == dt.datetime(2011, 5, 5)
    assert str(accepted.loc["F-4", "date"]) == "NaT"
    assert accepted.loc["F-4", "date_from"] == dt.datetime(2011, 6, 1)
    assert accepted.loc["F-4", "date_to"] == dt.datetime(2011, 6, 30)


def test_one_month_first_row_does_not_switch_the_column():
    # issue 16: a single 03/14/2011 is not evidence enough to read 04/03/2011 as 3 April
    result = read("monthfirst.csv")
    assert list(result.accepted["date"]) == [dt.datetime(2011, 3, 14)]
    assert reasons(result)[3].startswith("date '04/03/2011' could be 4 March or 3 April, and column date "
                                         "does not say which: of its dates, 1 can only be month-first (row 2)")
    assert result.note_counts["date_order"] == 1


def test_month_first_column_is_recognised_from_several_rows():
    result = read("monthfirst_evidence.csv")
    assert list(result.accepted["date"]) == [dt.datetime(2011, 3, 14), dt.datetime(2011, 4, 3),
                                             dt.datetime(2011, 3, 25)]
    message = result.notes[result.notes["kind"] == "date_order"]["message"].iloc[0]
    assert message == ("dates in column date read month-first (MM/DD/YYYY): 2 can only be month-first "
                       "(row 2, 4), none only day-first")


def test_the_issue_file_never_stores_5_march_as_3_may():
    result = read("one_monthfirst_row.csv")
    accepted = result.accepted.set_index("id")
    assert list(accepted.index) == ["O-3", "O-4"]
    assert accepted.loc["O-3", "date"] == dt.datetime(2024, 3, 15)
    assert set(reasons(result)) == {2, 3}
    assert "could be 5 March or 3 May" in reasons(result)[2]
    assert "write it as YYYY-MM-DD" in reasons(result)[3]


def test_mixed_orders_reject_only_the_ambiguous_dates():
    result = read("mixed_date_orders.csv")
    accepted = result.accepted.set_index("id")
    assert accepted["date"].to_dict() == {"X-1": dt.datetime(2011, 3, 14), "X-2": dt.datetime(2011, 3, 15),
                                          "X-4": dt.datetime(2011, 7, 7), "X-5": dt.datetime(2011, 3, 20)}
    assert reasons(result) == {4: "date '05/03/2011' could be 5 March or 3 May, and column date does not say "
                                  "which: of its dates, 2 can only be day-first (row 2, 6) and 1 can only be "
                                  "month-first (row 3); write it as YYYY-MM-DD (or choose the date order "
                                  "when importing)"}
    note = result.notes[result.notes["kind"] == "date_order"]["message"].iloc[0]
    assert note.startswith("column date mixes day-first and month-first dates")
    # the evidence is the same whatever the chunk size (the Data page and store import agree)
    chunked = read("mixed_date_orders.csv", chunksize=1)   # a first chunk of one day-first row
    assert reasons(chunked) == reasons(result) and list(chunked.accepted["id"]) == list(accepted.index)
    # the user's choice overrides the evidence
    forced = read("mixed_date_orders.csv", dayfirst=True)
    assert forced.accepted.set_index("id").loc["X-3", "date"] == dt.datetime(2011, 3, 5)
    assert "has no month 15" in reasons(forced)[3]


def test_periods_longer_than_a_year_are_rejected():
    result = read("periods.csv")
    assert len(result.accepted) == 1
    assert result.accepted["date_to"].iloc[0] == dt.datetime(2011, 3, 31)
    assert "longer than a year" in reasons(result)[3]


def test_empty_rows_are_skipped_and_counted():
    result = read("empty_rows.csv")
    assert list(result.accepted["id"]) == ["K-1", "K-2", "K-3"]
    assert result.empty_rows == 3 and result.rejected.empty


def test_duplicates_are_flagged_not_double_counted():
    # Issue 11: K-1b has its own id, so it is its own record (distinct ids are always kept).
    result = read("duplicates.csv")
    assert list(result.accepted["id"]) == ["K-1", "K-2", "K-1b", "K-3"]
    assert result.duplicates == 0 and result.rejected.empty
    # Without the id column, K-1b only shares date, place and persons with K-1: kept, flagged.
    no_ids = read_intercepts((CORPUS / "duplicates.csv").read_bytes(), file_name="noid.csv", today=TODAY,
                             mapping={"id": ""})
    assert len(no_ids.accepted) == 4 and no_ids.rejected.empty
    assert list(no_ids.possible_duplicates["row"]) == [2, 4]
    assert list(no_ids.accepted["possible_duplicate"]) == [True, False, True, False]


def test_windows_1252_text():
    result = read("cp1252.csv")
    assert result.encoding == "cp1252"
    assert result.accepted["place_name"].iloc[0] == "Karachi Café"
    assert result.accepted["notes"].iloc[0] == "boat ‘Al-Noor’ – 2 men"


def test_utf16_tab_separated_excel_export_with_urdu():
    result = read("utf16_excel.txt")
    assert result.encoding == "utf-16" and len(result.accepted) == 2
    assert result.accepted["place_name"].iloc[0] == "کراچی"
    assert result.accepted["notes"].iloc[0] == "بندرگاہ"


def test_file_that_is_not_what_its_extension_says():
    workbook = read("workbook_named.csv")
    assert workbook.file_kind == "xlsx" and len(workbook.accepted) == 2
    assert "is not CSV text as its extension says" in workbook.notes["message"].iloc[0]
    text = read("csv_named.xlsx")
    assert text.file_kind == "csv" and len(text.accepted) == 2
    assert "is not an Excel workbook as its extension says" in text.notes["message"].iloc[0]


@pytest.mark.parametrize("name, message", [
    ("truncated.xlsx", "truncated.xlsx is a damaged or incomplete Excel workbook"),
    ("truncated.geojson", "truncated.geojson cannot be read as GeoJSON (damaged or cut short?)"),
    ("empty.csv", "empty.csv is empty"),
    ("header_only.csv", "header_only.csv has a header row but no data rows"),
    ("binary.csv", "binary.csv looks like a binary file"),
    ("pdf_named.csv", "pdf_named.csv is a PDF document, not a table of intercepts"),
])
def test_unreadable_files_give_a_file_error(name, message):
    result = read(name)
    assert not result.ok and result.accepted.empty
    assert result.file_errors[0].startswith(message)


def test_truncated_csv_keeps_complete_rows_and_rejects_the_cut_one():
    result = read("truncated.csv")
    assert list(result.accepted["id"]) == ["K-1", "K-2"]
    assert reasons(result) == {4: "row has only 5 of 10 values — the file ends in the middle of this row "
                                  "(cut short?)"}


def test_hundred_columns():
    result = read("wide_100_columns.csv")
    assert len(result.headers) == 100 and len(result.accepted) == 4
    assert any(m.startswith("90 column(s) not used") for m in result.notes["message"])


def test_formula_injection_cells_are_neutralised():
    result = read("formula_injection.csv")
    accepted = result.accepted.set_index("id")
    assert accepted.loc["X-1", "notes"] == "'=cmd|' /C calc'!A0"
    assert accepted.loc["X-2", "place_name"].startswith("'=HYPERLINK")
    assert accepted.loc["X-2", "agency"] == "'@SUM(1+1)"
    assert accepted.loc["X-2", "notes"] == "'+1+1"
    # Issue 11: X-3's latitude −91 is impossible: exchanged with a note, and its formula neutralised too.
    assert accepted.loc["X-3", "notes"] == "'=1+2"
    assert result.note_counts["formula"] == 5 and result.note_counts["swap"] == 1
    # rejected rows' formulas are neutralised in the download too (here every row: no latitude column)
    unmapped = read("formula_injection.csv", mapping={"lat": ""})
    exported = unmapped.rejected_file().decode("utf-8-sig")
    assert len(unmapped.rejected) == 3 and "'=1+2" in exported and ",=1+2" not in exported


def test_bad_values_get_reasons_a_clerk_can_act_on():
    result = read("bad_values.csv")
    # Issue 11: B-2's latitude 91.2 is impossible, so lat and lon are exchanged (noted, then reviewed).
    assert list(result.accepted["id"]) == ["B-1", "B-2", "B-13"]
    assert result.accepted.set_index("id").loc["B-13", "mode"] == "air"   # 'plane'
    swap = result.notes[result.notes["kind"] == "swap"]
    assert list(swap["row"]) == [3] and "before latitude 91.2, longitude 67.0011; after latitude 67.0011, " \
        "longitude 91.2" in swap["message"].iloc[0]
    assert reasons(result) == {
        4: "date '31/02/2011' is not a valid date",
        5: "case_type 'smugling' is not one of smuggling, trafficking, unknown — did you mean smuggling?",
        6: "persons 0 must be at least 1",
        7: "persons 'three' is not a whole number",
        8: "mode 'hovercraft' is not one of land, sea, air",
        9: "date '2099-01-01' is in the future",
        10: "longitude is empty but latitude is given",
        11: "coordinates 0, 0 are a placeholder, not a place; enter the real position",
        12: "latitude '24°75'00\"N': minutes 75 must be below 60",
        13: "date 'yesterday' is not a date that can be read; write it as YYYY-MM-DD or DD/MM/YYYY "
            "(or a month like 2011-03 when the day is not known)",
        15: "id 'B-1' is already used on row 2; ids must be unique",
    }
    fields = dict(zip(result.rejected["row"], result.rejected["field"]))
    assert fields[11] == "latitude/longitude" and fields[4] == "date" and fields[5] == "case_type"


def test_missing_mode_column_means_unknown_mode():
    # Issue 11: only a position and a date are required; a missing mode column means mode unknown.
    result = read("missing_column.csv")
    assert list(result.accepted["mode"]) == ["unknown"] and result.rejected.empty
    assert "the file has no mode column; mode recorded as unknown" in list(result.notes["message"])


def test_misspelt_headers_are_matched():
    result = read("misspelt_headers.csv")
    assert len(result.accepted) == 1
    assert result.columns["lat"] == "Lattitude" and result.columns["persons"] == "No. of Persons"
    assert result.accepted["mode"].iloc[0] == "sea" and result.accepted["notes"].iloc[0] == "ok"


def test_title_rows_above_the_header_are_skipped():
    result = read("title_row.xlsx")
    assert len(result.accepted) == 3
    assert result.accepted["source"].iloc[0] == "title_row.xlsx row 4"


def gazetteer_ready() -> bool:
    try:
        from geodata.gazetteer import lookup

        lookup("Karachi", country="PK")
    except (ImportError, OSError, LookupError):
        return False
    return True


@pytest.mark.skipif(not gazetteer_ready(), reason="geodata.gazetteer or its data not available yet")
def test_place_names_resolve_through_the_gazetteer():
    result = read("places_only.csv")
    assert list(result.accepted["place_name"]) == ["Karachee", "Gwader", "Rahimyar Khan"]
    geometry = result.accepted.geometry
    assert near(geometry.iloc[0], KARACHI, metres=5_000)      # city centre vs. the corpus point
    assert near(geometry.iloc[1], GWADAR, metres=5_000)
    assert near(geometry.iloc[2], (28.4202, 70.2952), metres=5_000)
    assert result.note_counts["gazetteer"] == 3
    assert "place 'Xyzabad Khurd' is not in the gazetteer" in reasons(result)[4]


def test_place_names_without_a_gazetteer_are_rejected_not_crashed():
    result = read("places_only.csv")
    if result.accepted.empty:  # gazetteer missing: every row says why
        assert all("gazetteer" in reason for reason in result.rejected["reason"])
    else:
        assert len(result.accepted) == 3


def test_mutated_corpus_files_never_raise():
    # Cut, overwrite or insert random bytes in corpus files: a result always comes back.
    import random

    rng = random.Random(20111214)
    files = sorted(p for p in CORPUS.iterdir() if p.suffix != ".md" and p.stat().st_size > 0)
    rows = {}
    for _ in range(100):
        path = rng.choice(files)
        if path not in rows:   # the undamaged file's rows (at least 6: the clean files' count)
            whole = read_intercepts(path, today=TODAY)
            rows[path] = max(6, len(whole.accepted) + len(whole.rejected))
        data = bytearray(path.read_bytes())
        operation = rng.choice(["cut", "flip", "insert"])
        position = rng.randrange(len(data))
        if operation == "cut":
            data = data[:position]
        elif operation == "flip":
            data[position] = rng.randrange(256)
        else:
            data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        result = read_intercepts(bytes(data), file_name=path.name, today=TODAY)
        assert len(result.accepted) <= rows[path]   # damage never invents records


# ---------------------------------------------------------------- issue 16: files met in real use

def test_every_sheet_that_holds_records_is_read_and_named():
    result = read("three_monthly_sheets.xlsx")
    assert result.ok and len(result.accepted) == 15 and result.rejected.empty
    messages = list(result.notes["message"])
    assert "read worksheets 'Jan', 'Feb', 'Mar' of 3" in messages
    assert "sheet 'Mar': header found on row 2; rows above it skipped" in messages
    accepted = result.accepted.set_index("id")
    # March's columns are in another order: matched by name, not position
    assert accepted.loc["M-2", "persons"] == 3 and accepted.loc["M-2", "case_type"] == "unknown"
    assert accepted.loc["M-2", "date"] == dt.datetime(2011, 3, 12) and near(accepted.loc["M-2", "geometry"],
                                                                          (30.18, 66.995))
    assert accepted.loc["F-1", "source"] == "three_monthly_sheets.xlsx sheet 'Feb' row 3"


def test_a_summary_sheet_first_does_not_hide_the_data():
    result = read("summary_sheet_first.xlsx")
    assert list(result.accepted["id"]) == ["J-0", "J-1", "J-2"]
    assert result.notes["message"].iloc[0] == (
        "read worksheet 'Data' of 2; skipped 'Summary' (no date, place or coordinates and persons columns: "
        "a summary or other sheet)")


def test_title_and_two_row_merged_header_and_merged_dates():
    result = read("merged_header.xlsx")
    assert result.ok and result.rejected.empty
    assert result.columns["lat"] == "Latitude" and result.columns["lon"] == "Longitude"
    assert "place_name" not in result.columns      # "Position" is a group title, not a place
    accepted = result.accepted.set_index("id")
    assert list(accepted["date"]) == [dt.datetime(2011, 3, 14), dt.datetime(2011, 3, 14),
                                      dt.datetime(2011, 3, 16)]   # G-2's date is in the merged cell
    assert near(accepted.loc["G-1", "geometry"], GWADAR) and near(accepted.loc["G-3", "geometry"], TAFTAN)
    assert list(accepted["source"]) == [f"merged_header.xlsx row {n}" for n in (4, 5, 6)]
    assert "sheet 'Intercepts': two header rows (ending on row 3) read as one" in list(result.notes["message"])


def test_urdu_in_windows_1256_is_urdu_not_korean():
    result = read("urdu_cp1256.csv")
    assert result.encoding == "cp1256" and len(result.accepted) == 2
    assert list(result.accepted["place_name"]) == ["کراچي", "گوادر"]
    assert result.accepted["notes"].iloc[1] == "پسني کے قريب"


@pytest.mark.parametrize("name, message", [
    ("mixed_utf8_cp1252.csv", "mixed_utf8_cp1252.csv is mostly UTF-8 but some of its bytes are not"),
    ("chinese_gbk.csv", "chinese_gbk.csv is not UTF-8 and does not read cleanly as Windows-1256 (Urdu) or "
                        "Windows-1252 (English)"),
])
def test_text_that_does_not_decode_cleanly_is_refused_naming_the_encoding(name, message):
    result = read(name)
    assert not result.ok and result.accepted.empty
    assert result.file_errors[0].startswith(message)
    assert "save it again as UTF-8 (Excel: File > Save As > 'CSV UTF-8')" in result.file_errors[0]


@pytest.mark.parametrize("name", ["field_team.kml", "field_team.kmz"])
def test_google_earth_placemarks_in_folders(name):
    result = read(name)
    assert result.file_kind == "kml" and len(result.accepted) == 2
    accepted = result.accepted
    assert list(accepted["place_name"]) == ["Taftan", "Quetta bus stand"]
    assert list(accepted["notes"]) == ["40 persons at the border post", "bus & two vans"]   # HTML stripped
    assert list(accepted["persons"]) == [40, 5] and list(accepted["case_type"]) == ["smuggling", "trafficking"]
    assert near(accepted.geometry.iloc[0], TAFTAN) and near(accepted.geometry.iloc[1], QUETTA)
    rejected = result.rejected.iloc[0]
    assert rejected["row"] == 3 and rejected["reason"] == "geometry is a LineString; an intercept must be a single point"
    assert rejected["folder"] == "Field team May 2011 / Towns"


def test_kml_with_entities_is_refused():
    result = read("kml_entities.kml")
    assert result.file_errors == ["kml_entities.kml declares XML entities or a DOCTYPE, which Google Earth files "
                                  "never do; refused for safety. Export it again from Google Earth"]


def test_shapefile_inside_a_folder_of_the_zip():
    result = read("shapefile_in_folder.zip")
    assert result.ok and list(result.accepted["id"]) == ["K-4", "K-5", "K-6"]
    assert "Shapefile found in folder 'Intercepts May 2011' of the zip" in list(result.notes["message"])


@pytest.mark.parametrize("name, part", [("shapefile_no_dbf.zip", ".dbf (its table of attributes"),
                                        ("shapefile_no_shx.zip", ".shx (its index of shapes)")])
def test_shapefile_missing_a_part_names_it(name, part):
    result = read(name)
    assert not result.ok
    assert result.file_errors[0].startswith(f"{name}: the Shapefile intercepts.shp has no {part}")
    assert "GDAL" not in result.file_errors[0] and "/vsizip" not in result.file_errors[0]


def test_shapefile_without_prj_is_read_as_wgs84_with_a_note():
    result = read("shapefile_no_prj.zip")
    assert len(result.accepted) == 3 and near(result.accepted.geometry.iloc[0], QUETTA)
    assert ("the Shapefile intercepts.shp has no .prj part (its coordinate system); coordinates taken as "
            "WGS 84 longitude/latitude") in list(result.notes["message"])


def test_a_shp_part_alone_is_refused_with_what_to_do():
    assert read("shp_alone.shp").file_errors[0].startswith(
        "shp_alone.shp is only the .shp part of a Shapefile; zip it together with the .shx, .dbf and .prj")


def test_excel_sep_line_is_honoured():
    result = read("sep_line.csv")
    assert list(result.accepted["id"]) == ["K-1", "K-2", "K-3"]
    assert list(result.accepted["source"]) == [f"sep_line.csv row {n}" for n in (2, 3, 4)]   # as Excel shows
    assert "first line 'sep=;' honoured" in list(result.notes["message"])


def test_one_column_lat_lon_is_read_as_coordinates_not_gazetteer_centroids():
    result = read("latlon_one_column.csv")
    accepted = result.accepted
    assert near(accepted.geometry.iloc[0], KARACHI) and near(accepted.geometry.iloc[1], GWADAR)
    assert near(accepted.geometry.iloc[2], QUETTA, metres=20)          # DMS pair, whole seconds
    assert result.note_counts.get("gazetteer", 0) <= 1                 # only Taftan, whose cell is empty
    assert reasons(result) == {6: "coordinates 'near the bridge' are not a 'latitude, longitude' pair"}
    assert "column 'GPS' holds 'latitude, longitude' pairs; read as coordinates" in list(result.notes["message"])


def test_a_location_column_of_pairs_is_not_taken_for_place_names():
    result = read("location_pairs.csv")
    assert len(result.accepted) == 2 and near(result.accepted.geometry.iloc[1], GWADAR)
    assert set(result.accepted["place_name"].fillna("")) == {""}


def test_messages_never_echo_more_than_200_characters_of_the_file():
    error = read("huge_cells.csv").file_errors[0]
    assert error.count("x") <= 201 and len(error) < 500
    result = read("huge_value.csv")
    assert result.accepted.empty
    for reason in result.rejected["reason"]:
        assert len(reason) < 400 and ("(5000 characters)" in reason or "(5011 characters)" in reason)
    # a 30,000-character header cell: the "columns not used" note quotes a little of it, not all
    data = ("date,lat,lon,persons,case_type,mode," + "Z" * 30_000 + "\n2011-03-14,24.86,67.0,2,smuggling,sea,x\n")
    wide = read_intercepts(data.encode(), file_name="wide.csv", today=TODAY)
    assert len(wide.accepted) == 1 and max(len(m) for m in wide.notes["message"]) <= 401
