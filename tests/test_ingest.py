"""geodata.ingest API: sources, chunked reading, rejected-row round trip, templates, value parsers."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest

from geodata.ingest import iter_intercepts, read_intercepts, template_csv, template_xlsx
from geodata.ingest_values import ValueProblem, parse_case_type, parse_date, parse_mode, parse_persons
from geodata.schema import INTERCEPT_COLUMNS

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


def test_accepted_frame_has_the_intercept_schema():
    result = read_intercepts(CORPUS / "clean.csv")
    schema = [c for c in INTERCEPT_COLUMNS if c != "geometry"]
    assert [c for c in result.accepted.columns if c in INTERCEPT_COLUMNS] == schema + ["geometry"]
    dtypes = result.accepted.dtypes
    assert dtypes["persons"] == "int64" and dtypes["date"] == "datetime64[ns]" and dtypes["synthetic"] == bool
    assert not result.accepted["synthetic"].any()
    assert result.accepted["source"].iloc[0] == "clean.csv row 2"   # provenance: file and row


def test_uploaded_file_object_and_bytes_give_the_same_result_as_the_path():
    data = (CORPUS / "clean.xlsx").read_bytes()
    upload = io.BytesIO(data)
    upload.name = "ledger.xlsx"           # what a Streamlit UploadedFile carries
    from_path = read_intercepts(CORPUS / "clean.xlsx")
    from_upload = read_intercepts(upload)
    from_bytes = read_intercepts(data, file_name="ledger.xlsx")
    assert from_upload.file_name == "ledger.xlsx"
    pd.testing.assert_frame_equal(from_path.accepted.drop(columns="source"),
                                  from_upload.accepted.drop(columns="source"))
    pd.testing.assert_frame_equal(from_upload.accepted, from_bytes.accepted)


def test_missing_path_and_wrong_argument_type_raise():
    with pytest.raises(FileNotFoundError, match="intercept file not found"):
        read_intercepts("/nonexistent/ledger.csv")
    with pytest.raises(TypeError, match="needs a path, bytes or a file object"):
        read_intercepts(42)


def _big_csv(rows: int) -> bytes:
    lines = ["date,lat,lon,persons,case_type,mode"]
    for i in range(rows):
        day = dt.date(2010, 1, 1) + dt.timedelta(days=i % 700)
        lines.append(f"{day:%d/%m/%Y},{24 + (i % 1000) / 100:.4f},{62 + (i // 1000) / 10:.4f},{1 + i % 9},"
                     f"{('smuggling', 'trafficking', 'unknown')[i % 3]},land")
    lines[5001] = "2010-13-01,25,65,1,smuggling,land"       # one bad row inside the 2nd chunk
    lines[7001] = lines[7000]                                # an exact duplicate across rows
    return ("\n".join(lines) + "\n").encode()


def test_chunked_reading_equals_reading_at_once_and_checks_duplicates_across_chunks():
    data = _big_csv(12_000)
    whole = read_intercepts(data, file_name="big.csv", chunksize=100_000)
    parts = list(iter_intercepts(data, file_name="big.csv", chunksize=1000))
    assert len(parts) == 12
    assert sum(len(p.accepted) for p in parts) == len(whole.accepted) == 11_998
    chunked = read_intercepts(data, file_name="big.csv", chunksize=1000)
    pd.testing.assert_frame_equal(whole.accepted, chunked.accepted)
    assert dict(zip(chunked.rejected["row"], chunked.rejected["field"])) == {5002: "date", 7002: "row"}
    assert chunked.duplicates == 1


def test_rejected_rows_download_fix_and_reimport():
    first = read_intercepts(CORPUS / "bad_values.csv", today=dt.date(2026, 11, 1))
    exported = first.rejected_file("csv")
    frame = pd.read_csv(io.BytesIO(exported), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns[-2:]) == ["reason", "source_row"]
    assert len(frame) == len(first.rejected) == 11     # B-2's impossible latitude is exchanged (issue 11)
    # The clerk fixes each value the reason points at.
    fixes = {"B-4": ("case_type", "smuggling"), "B-5": ("persons", "2"),
             "B-6": ("persons", "3"), "B-7": ("mode", "sea"), "B-8": ("date", "2011-03-21"),
             "B-9": ("longitude", "67.0011"), "B-10": ("latitude", "24.9"),
             "B-11": ("latitude", "24°45'00\"N"), "B-12": ("date", "2011-03-25")}
    for record_id, (column, value) in fixes.items():
        frame.loc[frame["id"] == record_id, column] = value
    frame.loc[frame["date"] == "31/02/2011", "date"] = "28/02/2011"
    frame.loc[frame["notes"] == "id reused", "id"] = "B-14"
    frame.loc[frame["id"] == "B-10", "longitude"] = "67.1"
    fixed = frame.to_csv(index=False).encode("utf-8")
    again = read_intercepts(fixed, file_name="bad_values_fixed.csv", today=dt.date(2026, 11, 1))
    assert again.rejected.empty, again.rejected[["row", "reason"]].to_dict("records")
    assert len(again.accepted) == 11
    assert "reason" not in again.columns.values() and "source_row" not in again.columns.values()


def test_rejected_rows_xlsx_download_reimports_as_the_same_rows():
    first = read_intercepts(CORPUS / "bad_values.csv", today=dt.date(2026, 11, 1))
    workbook = first.rejected_file("xlsx")
    second = read_intercepts(workbook, file_name="rejected.xlsx", today=dt.date(2026, 11, 1))
    # Unchanged, each row fails again for the same reason, except the reused id: it is unique now.
    assert list(second.accepted["notes"]) == ["id reused"]
    expected = [r for r in first.rejected["reason"] if "already used" not in r]
    assert list(second.rejected["reason"]) == expected
    assert list(second.rejected["row"]) == list(range(2, 12))   # rows of the downloaded file now
    assert "source_row" not in second.rejected                   # regenerated on the next download


@pytest.mark.parametrize("maker, name", [(template_csv, "template.csv"), (template_xlsx, "template.xlsx")])
def test_templates_have_one_example_per_case_type_and_import_cleanly(maker, name):
    result = read_intercepts(maker(), file_name=name)
    assert result.ok and result.rejected.empty
    assert sorted(result.accepted["case_type"]) == ["smuggling", "trafficking", "unknown"]
    counts = result.counts_by_case_type()
    assert list(counts["count"]) == [1, 1, 1] and list(counts["sum"]) == [12, 3, 40]


def test_projected_crs_option_and_crs_column_errors():
    data = b"date,x,y,crs,persons,case_type,mode\n2011-03-14,298038.08,2751004.90,EPSG:99999999,3,smuggling,sea\n"
    result = read_intercepts(data, file_name="bad_crs.csv")
    assert "crs 'EPSG:99999999' is not a coordinate system I know" in result.rejected["reason"].iloc[0]


@pytest.mark.parametrize("text, first, last", [
    ("2011-03-14", dt.date(2011, 3, 14), dt.date(2011, 3, 14)),
    ("14/03/2011", dt.date(2011, 3, 14), dt.date(2011, 3, 14)),
    ("14.03.11", dt.date(2011, 3, 14), dt.date(2011, 3, 14)),
    ("14-Mar-2011", dt.date(2011, 3, 14), dt.date(2011, 3, 14)),
    ("March 14, 2011", dt.date(2011, 3, 14), dt.date(2011, 3, 14)),
    ("2011-02", dt.date(2011, 2, 1), dt.date(2011, 2, 28)),
    ("Feb 2012", dt.date(2012, 2, 1), dt.date(2012, 2, 29)),
    ("2011", dt.date(2011, 1, 1), dt.date(2011, 12, 31)),
    ("40616", dt.date(2011, 3, 14), dt.date(2011, 3, 14)),        # Excel serial day
    ("2011-03-14 10:30", dt.date(2011, 3, 14), dt.date(2011, 3, 14)),
])
def test_date_notations(text, first, last):
    assert parse_date(text) == (first, last)


def test_month_first_option():
    assert parse_date("03/04/2011", dayfirst=False) == (dt.date(2011, 3, 4), dt.date(2011, 3, 4))
    with pytest.raises(ValueProblem, match="has no month 14 \\(dates in this file are read day-first"):
        parse_date("03/14/2011")


@pytest.mark.parametrize("text, value", [("3", 3), ("3.0", 3), ("1,200", 1200), ("٣", 3)])
def test_persons(text, value):
    assert parse_persons(text) == value


@pytest.mark.parametrize("text, value", [("Smuggling", "smuggling"), ("TIP", "trafficking"),
                                         ("human trafficking", "trafficking"), ("", "unknown"),
                                         ("N/A", "unknown")])
def test_case_type_words(text, value):
    assert parse_case_type(text) == value


def test_case_type_typo_suggests_the_right_word():
    with pytest.raises(ValueProblem, match="did you mean trafficking"):
        parse_case_type("traficking")


@pytest.mark.parametrize("text, value", [("Boat", "sea"), ("by road", "land"), ("flight", "air")])
def test_mode_words(text, value):
    assert parse_mode(text) == value


def test_cli_reports_and_writes_rejected(tmp_path, capsys):
    from geodata.ingest import main

    out = tmp_path / "rejected.csv"
    code = main([str(CORPUS / "bad_values.csv"), "--rejected", str(out)])
    printed = capsys.readouterr().out
    assert code == 0 and "14 rows read = 3 accepted + 11 rejected + 0 dropped by choice + 0 empty" in printed
    assert "persons 0 must be at least 1" in printed and f"written to {out}" in printed
    assert "id 'B-1' is already used on row 2" in out.read_text(encoding="utf-8-sig")
    assert main([str(CORPUS / "empty.csv")]) == 1


def test_one_windows_1252_byte_at_the_end_is_not_taken_for_utf8():
    data = (b"date,lat,lon,persons,case_type,mode,notes\n2011-03-14,24.86,67.0,2,smuggling,sea,ok\n"
            b"2011-03-15,24.86,67.1,3,smuggling,sea,caf\xe9\n")
    result = read_intercepts(data, file_name="mixed.csv")
    assert result.encoding == "cp1252" and list(result.accepted["notes"]) == ["ok", "café"]


def test_utf8_sample_cut_inside_a_character_is_still_utf8():
    from geodata.ingest_read import SAMPLE_BYTES

    header = "date,lat,lon,persons,case_type,mode,place_name\n"
    row = "2011-03-14,24.86,{lon},2,smuggling,sea,کراچی\n"
    rows = "".join(row.format(lon=f"{62 + i / 1000:.3f}") for i in range(6000))
    for pad in range(64):   # shift the rows until the sample boundary splits a two-byte letter
        data = (header.replace("date", "date" + " " * pad) + rows).encode("utf-8")
        try:
            data[:SAMPLE_BYTES].decode("utf-8")
        except UnicodeDecodeError:
            break
    else:
        pytest.skip("could not place a character on the sample boundary")
    result = read_intercepts(data, file_name="urdu.csv")
    assert result.encoding == "utf-8"
    assert set(result.accepted["place_name"]) == {"کراچی"} and result.note_counts.get("encoding", 0) == 0


def test_geojson_with_a_line_a_point_and_no_geometry():
    import json

    def feature(geometry, record_id, place):
        return {"type": "Feature", "geometry": geometry,
                "properties": {"id": record_id, "date": "2011-03-14", "persons": 2, "case_type": "smuggling",
                               "mode": "land", "place_name": place}}

    collection = {"type": "FeatureCollection", "features": [
        feature({"type": "Point", "coordinates": [67.0011, 24.8607]}, "G-1", "Karachi"),
        feature({"type": "LineString", "coordinates": [[67.0, 24.8], [67.1, 24.9]]}, "G-2", "N-25"),
        feature(None, "G-3", "Xyzabad Khurd"),
    ]}
    result = read_intercepts(json.dumps(collection).encode(), file_name="mixed.geojson")
    assert list(result.accepted["id"]) == ["G-1"]
    reasons = dict(zip(result.rejected["row"], result.rejected["reason"]))
    assert reasons[2] == "geometry is a LineString; an intercept must be a single point"
    assert "Xyzabad Khurd" in reasons[3]          # no geometry: the place name is tried, and fails
    assert list(result.rejected.columns[-2:]) == ["longitude", "latitude"]   # kept for the download


def test_a_row_still_wrong_after_fixing_gets_its_new_reason_not_the_old_one():
    first = read_intercepts(CORPUS / "bad_values.csv", today=dt.date(2026, 11, 1))
    frame = pd.read_csv(io.BytesIO(first.rejected_file()), dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    frame.loc[frame["id"] == "B-4", ["case_type", "persons"]] = ["smuggling", "x"]   # fixed one, broke another
    again = read_intercepts(frame.to_csv(index=False).encode(), file_name="again.csv", today=dt.date(2026, 11, 1))
    row = again.rejected.set_index("id").loc["B-4"]
    assert row["reason"] == "persons 'x' is not a whole number" and row["field"] == "persons"
    assert list(again.rejected.columns).count("reason") == 1
    exported = pd.read_csv(io.BytesIO(again.rejected_file()), dtype=str, keep_default_na=False,
                           encoding="utf-8-sig")
    assert list(exported.columns[-2:]) == ["reason", "source_row"] and "reason (original)" not in exported
