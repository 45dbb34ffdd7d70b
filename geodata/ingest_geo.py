"""GIS files read through GDAL (pyogrio): GeoJSON, GeoPackage and zipped Shapefiles.

A Shapefile may sit in a folder inside the zip (what Windows' "Send to > Compressed
folder" makes); a missing .shx or .dbf part is named and refused, a missing .prj is
named in a note (coordinates are then taken as WGS 84).  Rows are features, numbered
from 1, with the point's ``__lon``/``__lat`` after the attribute columns.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from geodata.ingest_columns import GEOMETRY_LAT, GEOMETRY_LON, GEOMETRY_PROBLEM
from geodata.ingest_rows import cell_text
from geodata.ingest_source import FileProblem, RawTable, Source, clip

KIND_LABEL = {"csv": "CSV text", "xlsx": "an Excel workbook", "geojson": "GeoJSON",
              "gpkg": "a GeoPackage", "shapefile": "a zipped Shapefile", "kml": "a KML/KMZ file"}
_PART_PURPOSE = {".shx": "its index of shapes", ".dbf": "its table of attributes: dates, persons, ..."}


@dataclass
class ShapefileMember:
    """Where the Shapefile is inside the zip, and which of its parts are missing."""

    path: str
    missing: list[str] = field(default_factory=list)
    others: int = 0


def shapefile_member(names: list[str]) -> ShapefileMember | None:
    """The first Shapefile in a zip's member list (in any folder), or None."""
    names = [name for name in names if not name.startswith("__MACOSX/")]
    shapes = sorted(name for name in names if name.lower().endswith(".shp"))
    if not shapes:
        return None
    lowered = {name.lower() for name in names}
    stem = shapes[0][:-4]
    missing = [part for part in (".shx", ".dbf", ".prj") if (stem + part).lower() not in lowered]
    return ShapefileMember(shapes[0], missing, len(shapes) - 1)


def _shapefile_target(source: Source, path) -> tuple[str, list[str]]:
    """GDAL's path into the zip, and notes; raises FileProblem naming a missing .shx or .dbf."""
    with zipfile.ZipFile(source.open_binary()) as archive:
        member = shapefile_member(archive.namelist())
    shp = PurePosixPath(member.path).name
    vital = [part for part in member.missing if part != ".prj"]
    if vital:
        parts = ", ".join(f"{part} ({_PART_PURPOSE[part]})" for part in vital)
        raise FileProblem(f"{source.name}: the Shapefile {shp} has no {parts} part; zip all the files "
                          f"named {shp[:-4]}.* together (.shp, .shx, .dbf and .prj)")
    notes = []
    if ".prj" in member.missing:
        notes.append(f"the Shapefile {shp} has no .prj part (its coordinate system); coordinates taken as "
                     "WGS 84 longitude/latitude")
    if "/" in member.path:
        notes.append(f"Shapefile found in folder '{clip(str(PurePosixPath(member.path).parent), 80)}' "
                     "of the zip")
    if member.others:
        notes.append(f"read {shp}; the zip holds {member.others} more Shapefile(s), not read")
    return f"/vsizip/{path}/{member.path}", notes


def _pick_layer(pyogrio, target: str):
    layers = pyogrio.list_layers(target)
    info, layer = None, None
    for layer_name, geometry_type in layers:
        if geometry_type is None or "Point" in str(geometry_type) or info is None:
            candidate = pyogrio.read_info(target, layer=layer_name)
            if info is None or "Point" in str(geometry_type):
                info, layer = candidate, layer_name
            if "Point" in str(geometry_type):
                break
    return layers, info, layer


def read_geo_table(source: Source, kind: str, chunksize: int) -> RawTable:
    """Open a GDAL-readable file; raises FileProblem when it cannot be read at all."""
    import pyogrio

    suffix = {"geojson": ".geojson", "gpkg": ".gpkg", "shapefile": ".zip"}[kind]
    table = RawTable(kind, [], iter(()), [])
    geo_errors = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
                  pyogrio.errors.FieldError, pyogrio.errors.GeometryError, pyogrio.errors.CRSError,
                  RuntimeError, ValueError)
    context = source.as_path(suffix)
    path = context.__enter__()
    try:
        target, notes = _shapefile_target(source, path) if kind == "shapefile" else (str(path), [])
        table.notes += notes
        layers, info, layer = _pick_layer(pyogrio, target)
        if info is None:
            raise FileProblem(f"{source.name} has no layers")
    except FileProblem:
        context.__exit__(None, None, None)
        raise
    except geo_errors as error:
        context.__exit__(None, None, None)
        raise FileProblem(f"{source.name} cannot be read as {KIND_LABEL[kind]} "
                          f"(damaged or cut short?): {clip(error)}") from error
    if len(layers) > 1:
        table.notes.append(f"read layer '{layer}' of {len(layers)}")
    crs = info.get("crs")
    fields = [str(f) for f in info.get("fields", [])]
    table.headers = fields + [GEOMETRY_LON, GEOMETRY_LAT, GEOMETRY_PROBLEM]
    if crs is None and not any(".prj" in note for note in table.notes):
        table.notes.append("the file declares no coordinate system; coordinates taken as WGS 84 lon/lat")
    elif crs is not None and str(crs).upper() not in ("EPSG:4326", "OGC:CRS84"):
        table.notes.append(f"coordinates reprojected from {crs} to EPSG:4326")
    table.chunks = _feature_chunks(pyogrio, target, layer, info, table, source, context, chunksize, geo_errors)
    return table


def _feature_chunks(pyogrio, target, layer, info, table, source, context, chunksize, geo_errors):
    total = int(info.get("features", 0) or 0)
    crs = info.get("crs")
    fields = [str(f) for f in info.get("fields", [])]
    start = 0
    try:
        while total == 0 or start < total:
            frame = pyogrio.read_dataframe(target, layer=layer, skip_features=start, max_features=chunksize)
            if len(frame) == 0:
                break
            yield _geo_rows(frame, fields, start, len(table.headers), crs)
            start += len(frame)
            if len(frame) < chunksize:
                break
    except geo_errors as error:
        table.problems.append(f"{source.name}: reading stopped after feature {start}: {clip(error)}")
    finally:
        context.__exit__(None, None, None)


def _geo_rows(frame, fields, start, width, crs) -> list[tuple[int, list, str, list]]:
    if crs is not None and str(crs).upper() not in ("EPSG:4326", "OGC:CRS84"):
        frame = frame.to_crs("EPSG:4326")
    rows = []
    for offset, (_, record) in enumerate(frame.iterrows()):
        values = [cell_text(record.get(name)) for name in fields]
        geometry = record.geometry
        lon = lat = problem = ""
        if geometry is None or geometry.is_empty:
            pass
        elif geometry.geom_type == "Point":
            lon, lat = repr(float(geometry.x)), repr(float(geometry.y))
        elif geometry.geom_type == "MultiPoint" and len(geometry.geoms) == 1:
            lon, lat = repr(float(geometry.geoms[0].x)), repr(float(geometry.geoms[0].y))
        else:
            problem = f"geometry is a {geometry.geom_type}; an intercept must be a single point"
        row = values + [lon, lat, problem]
        rows.append((start + offset + 1, row[:width], "", []))
    return rows
