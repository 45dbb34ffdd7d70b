"""Open an intercept file whatever it really is, and stream its rows as text.

The file's content decides how it is read, not its extension: a workbook
renamed ``.csv`` is read as a workbook (with a note saying so).  Rows come out
in chunks of ``(row_number, values)`` so files larger than memory can be read;
row numbers are what a clerk sees in a spreadsheet (header row = 1 when it is
the first line) or the feature/placemark number for GeoJSON, GeoPackage,
Shapefile and KML.  The readers live beside this module: ``ingest_text`` (CSV
and other text), ``ingest_excel``, ``ingest_kml`` and ``ingest_geo`` (GDAL).
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable

from geodata.ingest_excel import read_xlsx_table
from geodata.ingest_geo import KIND_LABEL, read_geo_table, shapefile_member
from geodata.ingest_kml import read_kml_table
from geodata.ingest_source import (SAMPLE_BYTES, FileProblem, RawTable, Source,  # noqa: F401 (re-export)
                                   as_source, clip)
from geodata.ingest_text import detect_encoding, read_csv_table  # noqa: F401 (re-export)

_NOT_TABLES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
_SHP_MAGIC = b"\x00\x00\x27\x0a"


def sniff_kind(source: Source) -> str:
    """The file's real kind from its first bytes: csv, xlsx, geojson, gpkg, shapefile or kml."""
    head = source.head()
    if not head.strip():
        raise FileProblem(f"{source.name} is empty")
    if head.startswith(b"PK"):
        return _sniff_zip(source)
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(f"{source.name} is an old-style Excel .xls (or other Office 97) file; "
                          "open it in Excel and save it as .xlsx or CSV")
    if head.startswith(_SHP_MAGIC):
        raise FileProblem(f"{source.name} is only the .shp part of a Shapefile; zip it together with the "
                          ".shx, .dbf and .prj files of the same name and import the zip")
    for magic, what in _NOT_TABLES.items():
        if head.startswith(magic):
            raise FileProblem(f"{source.name} is {what}, not a table of intercepts")
    encoding = detect_encoding(head, source.name)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return "geojson"
    if text.startswith("<"):
        if "<kml" in text[:4096].lower():
            return "kml"
        raise FileProblem(f"{source.name} looks like HTML or XML, not a table of intercepts")
    return "csv"


def _sniff_zip(source: Source) -> str:
    try:
        with zipfile.ZipFile(source.open_binary()) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        what = "Excel workbook" if Path(source.name).suffix.lower() in (".xlsx", ".xlsm") else "zip archive"
        raise FileProblem(f"{source.name} is a damaged or incomplete {what} ({clip(error)}); "
                          "save or export it again") from error
    lowered = [name.lower() for name in names]
    if "[content_types].xml" in lowered and any(name.startswith("xl/") for name in lowered):
        return "xlsx"
    if shapefile_member(names) is not None:
        return "shapefile"
    if any(name.endswith(".kml") for name in lowered):
        return "kml"
    if any(name.startswith("word/") for name in lowered):
        raise FileProblem(f"{source.name} is a Word document, not a table of intercepts")
    parts = sorted({Path(name).suffix.lower() for name in lowered} & {".dbf", ".shx", ".prj"})
    if parts:
        raise FileProblem(f"{source.name} holds Shapefile parts ({', '.join(parts)}) but no .shp file; "
                          "zip the .shp together with them")
    raise FileProblem(f"{source.name} is a zip archive without a Shapefile (.shp), KML or workbook inside")


_EXTENSION_KIND = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
                   ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".zip": "shapefile",
                   ".kml": "kml", ".kmz": "kml"}


def extension_note(source: Source, kind: str) -> str | None:
    """A note when the extension promises something other than the content."""
    expected = _EXTENSION_KIND.get(Path(source.name).suffix.lower())
    if expected is None or expected == kind:
        return None
    return (f"{source.name} is not {KIND_LABEL[expected]} as its extension says; "
            f"it contains {KIND_LABEL[kind]} and was read as such")


READERS: dict[str, Callable[..., RawTable]] = {"csv": read_csv_table, "xlsx": read_xlsx_table,
                                               "kml": read_kml_table}


def open_table(source: Source, chunksize: int) -> RawTable:
    """Sniff and open ``source``; raises FileProblem when the file as a whole is unreadable."""
    kind = sniff_kind(source)
    note = extension_note(source, kind)
    if kind in READERS:
        table = READERS[kind](source, chunksize)
    else:
        table = read_geo_table(source, kind, chunksize)
    if note:
        table.notes.insert(0, note)
    return table
