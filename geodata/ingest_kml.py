"""Google Earth files (KML, and KMZ: a zipped KML): every placemark is a row.

A placemark's name becomes ``place_name`` (``name`` when the file also has a place field),
its description (HTML stripped) ``description``, the folders it sits in ``folder``, its
``<TimeStamp>`` ``date``, each ExtendedData / SchemaData field a column of its own, and
its point the coordinates.  Lines and polygons are rejected row by row; files declaring
XML entities are refused (Google Earth never writes them; they can blow up a parser).
"""
from __future__ import annotations

import html
import re
import zipfile
from typing import Iterator
from xml.etree.ElementTree import ParseError, iterparse

from geodata.ingest_columns import GEOMETRY_LAT, GEOMETRY_LON, GEOMETRY_PROBLEM, match_columns
from geodata.ingest_source import FileProblem, RawTable, Source, clip

_TAG = re.compile(r"<[^>]+>")
_GEOMETRIES = ("Point", "LineString", "LinearRing", "Polygon", "MultiGeometry", "Track", "MultiTrack", "Model")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kml_stream(source: Source):
    """A binary stream of the KML text (inside a KMZ: doc.kml, else the first .kml)."""
    if not source.head(4).startswith(b"PK"):
        return source.open_binary()
    archive = zipfile.ZipFile(source.open_binary())
    names = [name for name in archive.namelist() if name.lower().endswith(".kml")]
    if not names:
        raise FileProblem(f"{source.name} is a KMZ without a .kml file inside")
    name = next((n for n in names if n.lower().rsplit("/", 1)[-1] == "doc.kml"), names[0])
    return archive.open(name)


def _refuse_entities(source: Source) -> None:
    with _kml_stream(source) as stream:
        head = stream.read(64 * 1024)
    if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
        raise FileProblem(f"{source.name} declares XML entities or a DOCTYPE, which Google Earth files never "
                          "do; refused for safety. Export it again from Google Earth")


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _child(element, name: str):
    return next((child for child in element if _local(child.tag) == name), None)


def _fields(placemark) -> dict[str, str]:
    fields = {}
    for element in placemark.iter():
        tag = _local(element.tag)
        if tag == "Data" and element.get("name"):
            fields[element.get("name").strip()] = _text(_child(element, "value"))
        elif tag == "SimpleData" and element.get("name"):
            fields[element.get("name").strip()] = _text(element)
    return fields


def _point(placemark) -> tuple[str, str, str]:
    """(lon, lat, problem) of a placemark's geometry, as text."""
    shapes = [element for element in placemark.iter() if _local(element.tag) in _GEOMETRIES]
    points = [element for element in shapes if _local(element.tag) == "Point"]
    others = [_local(e.tag) for e in shapes if _local(e.tag) not in ("Point", "MultiGeometry")]
    if len(points) == 1 and not others:
        parts = _text(_child(points[0], "coordinates")).replace(" ", "").split(",")
        if len(parts) >= 2 and parts[0] and parts[1]:
            return parts[0], parts[1], ""
        return "", "", "the placemark's point has no coordinates"
    if others:
        return "", "", f"geometry is a {others[0]}; an intercept must be a single point"
    if len(points) > 1:
        return "", "", f"the placemark has {len(points)} points; an intercept must be a single point"
    return "", "", ""


def _description(placemark) -> str:
    text = html.unescape(_TAG.sub(" ", _text(_child(placemark, "description"))))
    return " ".join(text.split())


def _placemarks(source: Source) -> Iterator[tuple[int, dict]]:
    """(number, fields) for each placemark, streaming; folder names tracked as the path to it."""
    folders: list[str] = []
    number = 0
    with _kml_stream(source) as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag in ("Folder", "Document"):
                    folders.append("")
                continue
            if tag == "name" and folders and element is not None and not folders[-1]:
                folders[-1] = _text(element)  # may be a placemark's name: fixed when the placemark ends
            if tag in ("Folder", "Document"):
                folders.pop()
                element.clear()
            elif tag == "Placemark":
                number += 1
                yield number, _row(element, folders)
                element.clear()


def _row(placemark, folders: list[str]) -> dict:
    name = _text(_child(placemark, "name"))
    if folders and folders[-1] == name:   # the placemark's own name was taken for its folder's
        folders[-1] = ""
    row = {"__name": name, "__description": _description(placemark),
           "__folder": " / ".join(f for f in folders if f),
           "__when": _text(next((e for e in placemark.iter() if _local(e.tag) in ("when", "begin")), None))}
    row.update(_fields(placemark))
    row[GEOMETRY_LON], row[GEOMETRY_LAT], row[GEOMETRY_PROBLEM] = _point(placemark)
    return row


def _headers(field_names: list[str]) -> tuple[list[str], dict[str, str]]:
    """Column headers and, for the placemark's own parts, which header each goes to."""
    mapping, _ = match_columns(field_names)
    own = {"__name": "name" if "place_name" in mapping else "place_name",
           "__description": "description" if "notes" not in mapping else "placemark description",
           "__folder": "folder", "__when": "date" if not {"date", "date_from"} & set(mapping) else "timestamp"}
    headers = list(own.values()) + field_names + [GEOMETRY_LON, GEOMETRY_LAT, GEOMETRY_PROBLEM]
    return headers, own


def read_kml_table(source: Source, chunksize: int) -> RawTable:
    """Open a KML/KMZ; raises FileProblem when it cannot be parsed or has no placemarks."""
    _refuse_entities(source)
    field_names: list[str] = []
    count = 0
    try:
        for count, row in _placemarks(source):   # a first pass learns every ExtendedData field
            field_names += [k for k in row if not k.startswith("__") and k not in field_names]
    except (ParseError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise FileProblem(f"{source.name} cannot be read as KML (damaged or cut short?): {clip(error)}") from error
    if count == 0:
        raise FileProblem(f"{source.name} holds no placemarks")
    headers, own = _headers(field_names)
    table = RawTable("kml", headers, iter(()), [f"read {count} placemarks"])
    table.chunks = _chunks(source, table, headers, own, chunksize)
    return table


def _placemarks_safe(source: Source, table: RawTable):
    try:
        yield from _placemarks(source)
    except (ParseError, zipfile.BadZipFile, OSError, EOFError) as error:
        table.problems.append(f"{source.name}: reading stopped part-way: {clip(error)}")


def _chunks(source, table, headers, own, chunksize):
    index = {name: position for position, name in enumerate(headers)}
    chunk = []
    for number, row in _placemarks_safe(source, table):
        values = [""] * len(headers)
        for key, value in row.items():
            values[index[own.get(key, key)]] = value
        chunk.append((number, values, "", []))
        if len(chunk) >= chunksize:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
