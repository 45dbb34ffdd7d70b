"""A row's position: coordinates read in any notation, and the rules for exchanging lat and lon.

A valid coordinate is never changed silently.  Latitude and longitude are exchanged only when

* the given pair is impossible (|latitude| > 90 while the longitude is a possible latitude); where
  the exchanged point lands is noted like any other (it may be far from Pakistan: please check),
* the hemisphere letters say so (``66°58'E`` in the latitude column), or
* the file as a whole is swapped: most of its rows fall in the study area (Pakistan and the
  shipped neighbouring countries) only when exchanged (:func:`file_is_swapped`).

Each exchange is noted on its row with the values before and after.  A single odd row that would
lie in Pakistan if exchanged is kept as given, with a hint (see :mod:`geodata.ingest`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from geodata.coords import CoordinateError, check_range, parse_angle
from geodata.ingest_values import ValueProblem

Note = Callable[[str, str], None]   # (kind, message) for the current row


@dataclass(frozen=True)
class FileSwap:
    """The file-level decision: are latitude and longitude exchanged throughout?"""

    swapped: bool
    rows_checked: int = 0
    rows_swapped_only: int = 0

    def message(self) -> str:
        return (f"latitude and longitude are exchanged throughout the file: {self.rows_swapped_only} of "
                f"{self.rows_checked} rows fall in Pakistan or its neighbours only when exchanged; every "
                "row was exchanged and noted")


def file_is_swapped(pairs: list[tuple[float, float]]) -> FileSwap:
    """Decide from (lat, lon) pairs as given whether the whole file is swapped.

    Swapped when more than half of the pairs lie in the study area only when exchanged.
    """
    from geodata.ingest_country import in_study_area

    usable = [(lat, lon) for lat, lon in pairs if abs(lon) <= 90 and abs(lat) <= 180]
    if not usable:
        return FileSwap(False)
    lats = [p[0] for p in usable]
    lons = [p[1] for p in usable]
    as_given = in_study_area(lons, lats)
    exchanged = in_study_area(lats, lons)
    only_swapped = int((exchanged & ~as_given).sum())
    return FileSwap(only_swapped * 2 > len(usable), len(usable), only_swapped)


def sample_pairs(texts: list[tuple[str, str]]) -> list[tuple[float, float]]:
    """(lat, lon) floats from plain decimal texts; others are left out of the file decision."""
    pairs = []
    for lat_text, lon_text in texts:
        try:
            pairs.append((float(lat_text), float(lon_text)))
        except ValueError:
            continue
    return pairs


@lru_cache(maxsize=32)
def _transformer(crs: str):
    from pyproj import CRS, Transformer

    source = CRS.from_user_input(crs)
    return source, Transformer.from_crs(source, "EPSG:4326", always_xy=True)


def reproject(crs: str, x: float, y: float, note: Note) -> tuple[float, float]:
    """(lon, lat) in EPSG:4326 from x/y in ``crs``; geographic CRSs pass through."""
    from pyproj.exceptions import CRSError

    try:
        source, transformer = _transformer(str(crs).strip())
    except CRSError:
        raise ValueProblem(f"crs '{crs}' is not a coordinate system I know (try EPSG:32642)") from None
    if source.is_geographic:
        return x, y
    lon, lat = transformer.transform(x, y)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueProblem(f"x {x:g} / y {y:g} cannot be converted from {crs}")
    note("projected", f"x {x:.2f}, y {y:.2f} in {crs} converted to {lat:.6f}, {lon:.6f} (lat, lon)")
    return lon, lat


def _swap_note(note: Note, why: str, lat: float, lon: float) -> None:
    note("swap", f"latitude and longitude exchanged because {why}: before latitude {lat:g}, longitude "
                 f"{lon:g}; after latitude {lon:g}, longitude {lat:g}")


def read_point(lat_text: str, lon_text: str, crs: str | None, file_swap: FileSwap,
               note: Note) -> tuple[float, float]:
    """(lon, lat) of one row from its coordinate texts, applying the exchange rules above.

    Raises
    ------
    CoordinateError, ValueProblem
        With a message for the clerk when the coordinates cannot be used.
    """
    lat_angle, lon_angle = parse_angle(lat_text, "lat"), parse_angle(lon_text, "lon")
    if crs:
        lon, lat = reproject(crs, lon_angle.degrees, lat_angle.degrees, note)
    else:
        lat, lon = lat_angle.degrees, lon_angle.degrees
        if abs(lat) > 1000 and abs(lon) > 1000:
            raise ValueProblem(
                f"x {lon_text} / y {lat_text} look like projected coordinates in metres; declare "
                "their CRS (a 'crs' column such as EPSG:32642, or read_intercepts(..., crs=...))")
    notations = {lat_angle.notation, lon_angle.notation} - {"decimal"}
    if notations:
        note("conversion", f"read {' and '.join(sorted(notations))} coordinates "
                           f"'{lat_text}', '{lon_text}' as {lat:.6f}, {lon:.6f}")
    lettered = lat_angle.hemisphere in ("E", "W") and lon_angle.hemisphere in ("N", "S")
    if lettered:
        _swap_note(note, "the hemisphere letters say so", lat, lon)
        lat, lon = lon, lat
    elif crs is None and abs(lat) > 90 and abs(lon) <= 90:
        _swap_note(note, f"latitude {lat:g} is impossible (beyond ±90)", lat, lon)
        lat, lon = lon, lat
    elif crs is None and file_swap.swapped and abs(lon) <= 90:
        _swap_note(note, "the whole file is swapped", lat, lon)
        lat, lon = lon, lat
    else:
        _check_letters(lat_angle, lon_angle, lat_text, lon_text)
    check_range(lat, "lat")
    check_range(lon, "lon")
    if lat == 0 and lon == 0:
        raise ValueProblem("coordinates 0, 0 are a placeholder, not a place; enter the real position")
    return lon, lat


def _check_letters(lat_angle, lon_angle, lat_text: str, lon_text: str) -> None:
    for angle, axis, text in ((lat_angle, "lat", lat_text), (lon_angle, "lon", lon_text)):
        if angle.hemisphere and angle.hemisphere not in ("NS" if axis == "lat" else "EW"):
            raise CoordinateError(f"{'latitude' if axis == 'lat' else 'longitude'} '{text}' has the letter "
                                  f"{angle.hemisphere}, which belongs to the other axis")
