"""Write the bad-file corpus used by tests/test_ingest_corpus.py.

    python tests/data/make_corpus.py        # rewrites tests/data/corpus/*

Deterministic (fixed seed, fixed contents), so regenerating gives the same bytes
except for the zip/xlsx timestamps.  The expected result of each file is tabled in
docs/records.md and asserted by tests/test_ingest_corpus.py.
"""
from __future__ import annotations

import io
import random
import warnings
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "corpus"

HEADER = ["id", "date", "latitude", "longitude", "place_name", "persons", "case_type", "mode", "agency",
          "notes"]
# Six clean records, two per case type, at real places (lat, lon).
CLEAN = [
    ["K-1", "2011-03-14", "24.8607", "67.0011", "Karachi", "12", "smuggling", "sea", "FIA", "dhow at harbour"],
    ["K-2", "2011-03-20", "25.1216", "62.3254", "Gwadar", "30", "smuggling", "sea", "MSA", "launch"],
    ["K-3", "2011-04-02", "28.4202", "70.2952", "Rahim Yar Khan", "3", "trafficking", "land", "FIA", "children"],
    ["K-4", "2011-04-09", "30.1798", "66.9750", "Quetta", "5", "trafficking", "land", "Police", "bus"],
    ["K-5", "2011-05-01", "28.9640", "61.5950", "Taftan", "40", "unknown", "land", "FC", "border post"],
    ["K-6", "2011-05-17", "33.6167", "73.0992", "Islamabad airport", "2", "unknown", "air", "FIA", "visa fraud"],
]


def csv_text(header, rows, delimiter=",", newline="\r\n") -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write(name: str, data) -> None:
    path = OUT / name
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def xlsx_bytes(header, rows, title_rows=()) -> bytes:
    import datetime as dt

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "intercepts"
    for row in title_rows:
        sheet.append(row)
    sheet.append(header)
    for row in rows:
        values = list(row)
        values[1] = dt.datetime.fromisoformat(values[1])           # real Excel date cells
        values[2], values[3], values[5] = float(values[2]), float(values[3]), int(values[5])
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def geo_frame(rows, crs="EPSG:4326"):
    import geopandas as gpd
    import pandas as pd

    frame = pd.DataFrame(rows, columns=HEADER)
    points = gpd.points_from_xy(frame["longitude"].astype(float), frame["latitude"].astype(float), crs="EPSG:4326")
    gdf = gpd.GeoDataFrame(frame.drop(columns=["latitude", "longitude"]), geometry=points, crs="EPSG:4326")
    gdf["persons"] = gdf["persons"].astype(int)
    return gdf.to_crs(crs)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    rng = random.Random(20111214)

    write("clean.csv", csv_text(HEADER, CLEAN))
    write("clean.xlsx", xlsx_bytes(HEADER, CLEAN))
    write("title_row.xlsx", xlsx_bytes(HEADER, CLEAN[:3], title_rows=[["FIA Karachi zone: intercepts 2011"], []]))
    geo_frame(CLEAN[:3]).to_file(OUT / "clean.geojson", driver="GeoJSON")
    gpkg = OUT / "clean_utm.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    geo_frame(CLEAN[:3], "EPSG:32642").to_file(gpkg, layer="intercepts", driver="GPKG")
    shp_dir = OUT / "_shp"
    shp_dir.mkdir(exist_ok=True)
    # Shapefile field names stop at 10 characters: "nationality" arrives as "nationalit" (on purpose).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        geo_frame(CLEAN[3:]).assign(nationality=["Pakistani", "Afghan", "Pakistani"]).to_file(
            shp_dir / "intercepts.shp")
    with zipfile.ZipFile(OUT / "clean_shp.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(shp_dir.iterdir()):
            archive.write(part, part.name)
            part.unlink()
    shp_dir.rmdir()

    # Coordinates as clerks write them: DMS, degrees + decimal minutes, hemisphere letters.
    write("dms.csv", csv_text(HEADER, [
        ["D-1", "2011-03-14", "24°51'38.52\"N", "67°00'03.96\"E", "Karachi", "4", "smuggling", "sea", "FIA", ""],
        ["D-2", "2011-03-15", "25 07 17.8 N", "62 19 31.4 E", "Gwadar", "4", "smuggling", "sea", "FIA", ""],
        ["D-3", "2011-03-16", "N 30°10.788'", "E 66°58.500'", "Quetta", "4", "smuggling", "land", "FIA", ""],
        ["D-4", "2011-03-17", "28d57m50.4s", "61d35m42s", "Taftan", "4", "smuggling", "land", "FC", ""],
    ]))
    # Rows 3 and 4 have latitude and longitude swapped; row 4 says so with its letters too.
    write("swapped.csv", csv_text(HEADER, [
        ["S-1", "2011-03-14", "24.8607", "67.0011", "Karachi", "2", "smuggling", "sea", "FIA", ""],
        ["S-2", "2011-03-15", "62.3254", "25.1216", "Gwadar", "2", "smuggling", "sea", "FIA", ""],
        ["S-3", "2011-03-16", "66°58'30\"E", "30°10'47\"N", "Quetta", "2", "smuggling", "land", "FIA", ""],
    ]))
    # UTM 42N metres with the CRS in a column (coordinates of Karachi and Quetta).
    write("projected_utm.csv", csv_text(
        ["id", "date", "easting", "northing", "crs", "persons", "case_type", "mode", "place_name"], [
            ["P-1", "2011-03-14", "298038.08", "2751004.90", "EPSG:32642", "3", "smuggling", "sea", "Karachi"],
            ["P-2", "2011-03-15", "305026.25", "3340441.47", "EPSG:32642", "3", "smuggling", "land", "Quetta"],
        ]))
    write("projected_nocrs.csv", csv_text(
        ["id", "date", "x", "y", "persons", "case_type", "mode"], [
            ["P-1", "2011-03-14", "298038.08", "2751004.90", "3", "smuggling", "sea"],
        ]))
    # European-style export: ';' separator, ',' decimals.
    write("comma_decimal.csv", csv_text(HEADER, [
        [v.replace(".", ",") if i in (2, 3) else v for i, v in enumerate(row)] for row in CLEAN[:3]
    ], delimiter=";"))
    # A decimal comma in a comma-separated file, unquoted: the row splits into too many values.
    write("comma_decimal_unquoted.csv",
          "id,date,latitude,longitude,persons,case_type,mode\r\n"
          "U-1,2011-03-14,24.8607,67.0011,3,smuggling,sea\r\n"
          "U-2,2011-03-15,25,1216,62,3254,3,smuggling,sea\r\n")
    write("dayfirst.csv", csv_text(HEADER, [
        ["F-1", "14/03/2011", "24.8607", "67.0011", "Karachi", "1", "smuggling", "sea", "FIA", ""],
        ["F-2", "03/04/2011", "25.1216", "62.3254", "Gwadar", "1", "smuggling", "sea", "FIA", ""],
        ["F-3", "5 May 2011", "30.1798", "66.9750", "Quetta", "1", "smuggling", "land", "FIA", ""],
        ["F-4", "2011-06", "28.9640", "61.5950", "Taftan", "1", "unknown", "land", "FC", "month only"],
    ]))
    write("monthfirst.csv", csv_text(HEADER, [
        ["M-1", "03/14/2011", "24.8607", "67.0011", "Karachi", "1", "smuggling", "sea", "FIA", ""],
        ["M-2", "04/03/2011", "25.1216", "62.3254", "Gwadar", "1", "smuggling", "sea", "FIA", ""],
    ]))
    write("periods.csv", csv_text(
        ["id", "date_from", "date_to", "lat", "lon", "persons", "case_type", "mode"], [
            ["R-1", "2011-03-01", "2011-03-31", "24.8607", "67.0011", "7", "smuggling", "sea"],
            ["R-2", "2010-01-01", "2011-06-30", "25.1216", "62.3254", "7", "smuggling", "sea"],
        ]))
    write("empty_rows.csv",
          csv_text(HEADER, [CLEAN[0], [""] * 10, CLEAN[1]]) + "\r\n" + ",,,,,,,,,\r\n" + ",".join(CLEAN[2]) + "\r\n")
    write("duplicates.csv", csv_text(HEADER, [
        CLEAN[0], CLEAN[1], ["K-1b"] + CLEAN[0][1:9] + ["entered twice by another clerk"], CLEAN[2],
    ]))
    cp = csv_text(HEADER, [
        ["W-1", "2011-03-14", "24.8607", "67.0011", "Karachi Café", "2", "smuggling", "sea", "FIA",
         "boat ‘Al-Noor’ – 2 men"],
    ])
    write("cp1252.csv", cp.encode("cp1252"))
    urdu = csv_text(HEADER, [
        ["U-1", "2011-03-14", "24.8607", "67.0011", "کراچی", "2", "smuggling", "sea", "FIA", "بندرگاہ"],
        ["U-2", "2011-03-15", "25.1216", "62.3254", "Gwadar", "2", "smuggling", "sea", "FIA", ""],
    ], delimiter="\t")
    write("utf16_excel.txt", urdu.encode("utf-16"))  # Excel's "Unicode text": UTF-16 LE with BOM, tabs
    write("workbook_named.csv", xlsx_bytes(HEADER, CLEAN[:2]))
    write("csv_named.xlsx", csv_text(HEADER, CLEAN[:2]))
    whole = xlsx_bytes(HEADER, CLEAN)
    write("truncated.xlsx", whole[: len(whole) * 6 // 10])
    text = csv_text(HEADER, CLEAN[:3])
    write("truncated.csv", text[: text.rindex("Rahim") + 5])
    geojson = (OUT / "clean.geojson").read_text(encoding="utf-8")
    write("truncated.geojson", geojson[: len(geojson) // 2])
    write("empty.csv", b"")
    write("header_only.csv", ",".join(HEADER) + "\r\n")
    write("binary.csv", bytes(rng.randrange(256) for _ in range(4096)))
    write("pdf_named.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    wide_header = HEADER + [f"extra_col_{i}" for i in range(len(HEADER) + 1, 101)]
    write("wide_100_columns.csv", csv_text(wide_header, [
        row + [str(rng.randrange(1000)) for _ in range(100 - len(HEADER))] for row in CLEAN[:4]
    ]))
    write("formula_injection.csv", csv_text(HEADER, [
        ["X-1", "2011-03-14", "24.8607", "67.0011", "Karachi", "2", "smuggling", "sea", "FIA",
         "=cmd|' /C calc'!A0"],
        ["X-2", "2011-03-15", "25.1216", "62.3254", "=HYPERLINK(\"http://example.invalid\")", "2", "smuggling",
         "sea", "@SUM(1+1)", "+1+1"],
        ["X-3", "2011-03-16", "-91", "67.0011", "Karachi", "2", "smuggling", "sea", "FIA", "=1+2"],
    ]))
    write("bad_values.csv", csv_text(HEADER, [
        ["B-1", "2011-03-14", "24.8607", "67.0011", "Karachi", "12", "smuggling", "sea", "FIA", "good row"],
        ["B-2", "2011-03-15", "91.2", "67.0011", "Karachi", "1", "smuggling", "sea", "FIA", ""],
        ["B-3", "31/02/2011", "24.8607", "67.0011", "Karachi", "1", "smuggling", "sea", "FIA", ""],
        ["B-4", "2011-03-17", "24.8607", "67.0011", "Karachi", "1", "smugling", "sea", "FIA", ""],
        ["B-5", "2011-03-18", "24.8607", "67.0011", "Karachi", "0", "smuggling", "sea", "FIA", ""],
        ["B-6", "2011-03-19", "24.8607", "67.0011", "Karachi", "three", "smuggling", "sea", "FIA", ""],
        ["B-7", "2011-03-20", "24.8607", "67.0011", "Karachi", "1", "smuggling", "hovercraft", "FIA", ""],
        ["B-8", "2099-01-01", "24.8607", "67.0011", "Karachi", "1", "smuggling", "sea", "FIA", ""],
        ["B-9", "2011-03-22", "24.8607", "", "Karachi", "1", "smuggling", "sea", "FIA", ""],
        ["B-10", "2011-03-23", "0", "0", "Karachi", "1", "smuggling", "sea", "FIA", ""],
        ["B-11", "2011-03-24", "24°75'00\"N", "67.0011", "Karachi", "1", "smuggling", "sea", "FIA", ""],
        ["B-12", "yesterday", "24.8607", "67.0011", "Karachi", "1", "smuggling", "sea", "FIA", ""],
        ["B-13", "2011-03-26", "24.8607", "67.0011", "Karachi", "1", "trafficking", "plane", "FIA", "mode synonym"],
        ["B-1", "2011-03-27", "24.8607", "67.0011", "Karachi", "1", "smuggling", "sea", "FIA", "id reused"],
    ]))
    # Place names only, in transliterations that differ from the gazetteer's spelling.
    write("places_only.csv", csv_text(["date", "place", "persons", "case_type", "mode"], [
        ["2011-03-14", "Karachee", "3", "smuggling", "sea"],
        ["2011-03-15", "Gwader", "3", "smuggling", "sea"],
        ["2011-03-16", "Xyzabad Khurd", "3", "smuggling", "land"],
        ["2011-03-17", "Rahimyar Khan", "2", "trafficking", "land"],
    ]))
    write("missing_column.csv", csv_text(["date", "lat", "lon", "persons", "case_type"], [
        ["2011-03-14", "24.8607", "67.0011", "3", "smuggling"],
    ]))
    write("misspelt_headers.csv", csv_text(
        ["Date ", "Lattitude", "Longtitude", "No. of Persons", "Case Type", "MODE", "Remarks", "Unrelated"], [
            ["2011-03-14", "24.8607", "67.0011", "3", "Smuggling", "Boat", "ok", "x"],
        ]))

    write_real_use_cases()


def row(record_id, date, lat, lon, place, persons="2", case="smuggling", mode="sea", agency="FIA", notes=""):
    return [record_id, date, lat, lon, place, persons, case, mode, agency, notes]


def write_date_cases() -> None:
    """Day-first vs month-first decided per column, with evidence (issue 16)."""
    # Three dates that can only be month-first and none only day-first: the column is month-first.
    write("monthfirst_evidence.csv", csv_text(HEADER, [
        row("E-1", "03/14/2011", "24.8607", "67.0011", "Karachi"),
        row("E-2", "04/03/2011", "25.1216", "62.3254", "Gwadar"),
        row("E-3", "03/25/2011", "30.1798", "66.9750", "Quetta", mode="land"),
    ]))
    # The file: one 03/15/2024 row must not turn 05/03/2024 into 3 May.
    write("one_monthfirst_row.csv", csv_text(HEADER, [
        row("O-1", "05/03/2024", "24.8607", "67.0011", "Karachi"),
        row("O-2", "06/03/2024", "25.1216", "62.3254", "Gwadar"),
        row("O-3", "03/15/2024", "30.1798", "66.9750", "Quetta", mode="land"),
        row("O-4", "2024-03-16", "28.9640", "61.5950", "Taftan", mode="land"),
    ]))
    # Both orders in one column: only dates that can be read one way only are read.
    write("mixed_date_orders.csv", csv_text(HEADER, [
        row("X-1", "14/03/2011", "24.8607", "67.0011", "Karachi"),
        row("X-2", "03/15/2011", "25.1216", "62.3254", "Gwadar"),
        row("X-3", "05/03/2011", "30.1798", "66.9750", "Quetta", mode="land"),
        row("X-4", "07/07/2011", "28.9640", "61.5950", "Taftan", mode="land"),
        row("X-5", "20/03/2011", "28.4202", "70.2952", "Rahim Yar Khan", case="trafficking", mode="land"),
    ]))


def _sheet(workbook, title, header, rows, title_rows=()):
    import datetime as dt

    sheet = workbook.create_sheet(title)
    for line in title_rows:
        sheet.append(line)
    sheet.append(header)
    for values in rows:
        sheet.append([dt.datetime.fromisoformat(v) if isinstance(v, str) and v[:4].isdigit() and "-" in v
                      else v for v in values])
    return sheet


def _saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


MONTHS = {
    "Jan": [[f"J-{i}", f"2011-01-{10 + i}", 24.86 + i / 100, 67.0011, "Karachi", 2 + i, "smuggling", "sea"]
            for i in range(5)],
    "Feb": [[f"F-{i}", f"2011-02-{10 + i}", 25.12, 62.3254 + i / 100, "Gwadar", 3 + i, "trafficking", "sea"]
            for i in range(5)],
}
SHORT = ["id", "date", "latitude", "longitude", "place_name", "persons", "case_type", "mode"]


def write_excel_cases() -> None:
    """Workbooks as offices keep them: a sheet per month, a summary first, merged title and header."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in MONTHS.items():
        _sheet(workbook, title, SHORT, rows)
    # March's clerk put the columns in another order and a title above them.
    march = [[r[5], r[6], r[7], r[0], r[1], r[2], r[3], r[4]] for r in
             ([f"M-{i}", f"2011-03-{10 + i}", 30.18, 66.975 + i / 100, "Quetta", 1 + i, "unknown", "land"]
              for i in range(5))]
    _sheet(workbook, "Mar", SHORT[5:] + SHORT[:5], march, title_rows=[["March 2011 - FIA Quetta"]])
    write("three_monthly_sheets.xlsx", _saved(workbook))

    workbook = openpyxl.Workbook()
    summary = workbook.active
    summary.title = "Summary"
    for line in (["Date", "Persons", "Case type"], ["2011-01", 20, "smuggling"], ["2011-02", 25, "trafficking"]):
        summary.append(line)
    _sheet(workbook, "Data", SHORT, MONTHS["Jan"][:3])
    write("summary_sheet_first.xlsx", _saved(workbook))
    write("merged_header.xlsx", _merged_header_workbook())


def _merged_header_workbook() -> bytes:
    """A title merged across the top, a two-row header ("Position" over Latitude | Longitude), and a
    date merged down over the two intercepts of one day."""
    import datetime as dt

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Intercepts"
    sheet.append(["FIA Balochistan - intercepts March 2011"])
    sheet.merge_cells("A1:G1")
    sheet.append(["Case No", "Date", "Position", None, "Persons", "Case type", "Mode"])
    sheet.append([None, None, "Latitude", "Longitude", None, None, None])
    for column in "ABEFG":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("C2:D2")
    rows = [["G-1", dt.datetime(2011, 3, 14), 25.1216, 62.3254, 30, "smuggling", "sea"],
            ["G-2", None, 25.1300, 62.3300, 12, "smuggling", "sea"],
            ["G-3", dt.datetime(2011, 3, 16), 28.9640, 61.5950, 40, "unknown", "land"]]
    for values in rows:
        sheet.append(values)
    sheet.merge_cells("B4:B5")   # G-1 and G-2: the same day, written once
    return _saved(workbook)


def write_encoding_cases() -> None:
    urdu = csv_text(HEADER, [
        ["A-1", "2011-03-14", "24.8607", "67.0011", "کراچي", "2", "smuggling", "sea", "FIA", "بندرگاہ پر کشتي"],
        ["A-2", "2011-03-15", "25.1216", "62.3254", "گوادر", "3", "smuggling", "sea", "MSA", "پسني کے قريب"],
    ])
    write("urdu_cp1256.csv", urdu.encode("cp1256"))
    mixed = csv_text(HEADER, [
        ["Z-1", "2011-03-14", "24.8607", "67.0011", "کراچی", "2", "smuggling", "sea", "FIA", "بندرگاہ"],
        ["Z-2", "2011-03-15", "25.1216", "62.3254", "گوادر", "3", "smuggling", "sea", "MSA", "café"],
    ]).encode("utf-8").replace("café".encode("utf-8"), "café".encode("cp1252"))
    write("mixed_utf8_cp1252.csv", mixed)
    write("chinese_gbk.csv", csv_text(HEADER, [
        ["C-1", "2011-03-14", "24.8607", "67.0011", "卡拉奇港", "2", "smuggling", "sea", "FIA", "集装箱"],
    ]).encode("gbk"))


KML_PLACEMARK = """    <Placemark>
      <name>{name}</name>
      <description><![CDATA[{description}]]></description>
      <ExtendedData>
        <Data name="date"><value>{date}</value></Data>
        <Data name="persons"><value>{persons}</value></Data>
        <Data name="case_type"><value>{case}</value></Data>
        <Data name="mode"><value>{mode}</value></Data>
      </ExtendedData>
      {geometry}
    </Placemark>
"""


def kml_text() -> str:
    marks = [
        dict(name="Taftan", description="<b>40 persons</b> at the border post", date="2011-05-01", persons=40,
             case="smuggling", mode="land", geometry="<Point><coordinates>61.5950,28.9640,0</coordinates></Point>"),
        dict(name="Quetta bus stand", description="bus &amp; two vans", date="2011-05-02", persons=5,
             case="trafficking", mode="land",
             geometry="<Point><coordinates> 66.9750,30.1798 </coordinates></Point>"),
        dict(name="Makran coast road", description="patrol line", date="2011-05-03", persons=3, case="unknown",
             mode="land", geometry="<LineString><coordinates>64.0,25.2 65.0,25.3</coordinates></LineString>"),
    ]
    folders = [("Border posts", marks[:1]), ("Towns", marks[1:])]
    body = "".join(f"  <Folder>\n    <name>{title}</name>\n" + "".join(KML_PLACEMARK.format(**m) for m in group)
                   + "  </Folder>\n" for title, group in folders)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n'
            f"<Document>\n  <name>Field team May 2011</name>\n{body}</Document>\n</kml>\n")


def write_format_cases() -> None:
    import shutil
    import tempfile

    write("field_team.kml", kml_text())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", kml_text())
    write("field_team.kmz", buffer.getvalue())
    write("kml_entities.kml", '<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa">]>\n'
                              '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&a;</name>'
                              '</Document></kml>\n')
    folder = Path(tempfile.mkdtemp())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        geo_frame(CLEAN[3:]).to_file(folder / "intercepts.shp")
    parts = {part.suffix: part.read_bytes() for part in folder.iterdir()}
    shutil.rmtree(folder)
    for name, drop, inside in (("shapefile_in_folder.zip", None, "Intercepts May 2011/"),
                               ("shapefile_no_dbf.zip", ".dbf", ""), ("shapefile_no_shx.zip", ".shx", ""),
                               ("shapefile_no_prj.zip", ".prj", "")):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for suffix, data in sorted(parts.items()):
                if suffix != drop:
                    archive.writestr(f"{inside}intercepts{suffix}", data)
        write(name, buffer.getvalue())
    write("shp_alone.shp", parts[".shp"])
    write("sep_line.csv", "sep=;\r\n" + csv_text(HEADER, CLEAN[:3], delimiter=";"))
    write("latlon_one_column.csv", csv_text(["date", "GPS", "place", "persons", "case_type", "mode"], [
        ["2011-03-14", "24.8607, 67.0011", "Karachi", "3", "smuggling", "sea"],
        ["2011-03-15", "25.1216,62.3254", "Gwadar", "3", "smuggling", "sea"],
        ["2011-03-16", "30°10'47\"N, 66°58'30\"E", "Quetta", "2", "trafficking", "land"],
        ["2011-03-17", "", "Taftan", "2", "unknown", "land"],
        ["2011-03-18", "near the bridge", "Quetta", "2", "unknown", "land"],
    ]))
    write("location_pairs.csv", csv_text(["date", "Location", "persons", "case_type", "mode"], [
        ["2011-03-14", "24.8607, 67.0011", "3", "smuggling", "sea"],
        ["2011-03-15", "25.1216, 62.3254", "3", "smuggling", "sea"],
    ]))
    write("huge_cells.csv", "x" * 20_000 + "\r\n" + "y" * 5 + "\r\n")
    write("huge_value.csv", csv_text(HEADER, [
        ["H-1", "2011-03-14", "24.8607", "67.0011", "Karachi", "2", "s" * 5000, "sea", "FIA", ""],
        ["H-2", "2011-03-15 " + "9" * 5000, "24.8607", "67.0011", "Karachi", "2", "smuggling", "sea", "FIA", ""],
    ]))


def write_real_use_cases() -> None:
    """Files met in real use (issue 16): each has its documented result in docs/records.md."""
    write_date_cases()
    write_excel_cases()
    write_encoding_cases()
    write_format_cases()


if __name__ == "__main__":
    main()
