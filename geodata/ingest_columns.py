"""Match a file's column headers to intercept-schema fields by name, tolerating case, spacing and spelling.

Names are known in English, in Urdu transliteration (``tareekh``) and in Urdu script (``تاریخ``).
Besides the schema's fields, ``year`` / ``month`` / ``day`` name the parts of a date split over
columns (``Incident year`` + ``Reported Month``).  Proposals with reasons and value patterns
are built on top of this in :mod:`geodata.ingest_mapping`.
"""
from __future__ import annotations

import difflib
import re
from contextlib import contextmanager
from contextvars import ContextVar

# Field -> accepted header spellings (compared after normalisation: lower case, letters and digits only).
# Urdu-transliterated headers seen in ledgers are included (tareekh = date, jagah = place, afraad = persons).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "record_id", "recordid", "case_id", "case_no", "case_number", "reference", "ref",
           "ref_no", "fir_no", "fir", "main_id", "event_id", "source_id", "incident_id"),
    "date": ("date", "intercept_date", "date_of_intercept", "interception_date", "event_date",
             "incident_date", "tareekh", "tarikh", "dated"),
    "year": ("year", "incident_year", "reported_year", "year_of_incident", "saal"),
    "month": ("month", "reported_month", "incident_month", "month_of_incident", "mahina", "maheena"),
    "day": ("day", "incident_day", "day_of_month", "reported_day"),
    "date_from": ("date_from", "from_date", "start_date", "period_start", "date_start", "from"),
    "date_to": ("date_to", "to_date", "end_date", "period_end", "date_end", "to"),
    "lat": ("lat", "latitude", "y", "lat_dd", "latitude_dd", "northing", "y_coord", "ycoord", "point_y"),
    "lon": ("lon", "lng", "long", "longitude", "x", "lon_dd", "longitude_dd", "easting", "x_coord",
            "xcoord", "point_x"),
    "persons": ("persons", "person", "people", "number_of_persons", "no_of_persons", "num_persons",
                "n_persons", "count", "pax", "migrants", "individuals", "victims", "afraad", "nafri",
                "number", "total_persons", "persons_intercepted", "total_number_of_dead_and_missing",
                "number_of_persons_intercepted", "total_migrants"),
    "case_type": ("case_type", "casetype", "type", "crime", "crime_type", "category", "offence",
                  "offense", "case_category"),
    "mode": ("mode", "travel_mode", "transport", "transport_mode", "means", "route_mode", "via"),
    "agency": ("agency", "intercepted_by", "department", "force", "unit", "agency_name"),
    "place_name": ("place_name", "place", "placename", "location", "locality", "site", "city", "town",
                   "village", "mauza", "jagah", "area", "location_name", "location_of_death",
                   "location_of_incident", "muqam"),
    "nationality": ("nationality", "country_of_origin", "citizenship", "nationalities"),
    "notes": ("notes", "note", "remarks", "remark", "comments", "comment", "description", "details"),
    "synthetic": ("synthetic", "simulated", "is_synthetic"),
    "source": ("source", "provenance", "data_source"),
    "crs": ("crs", "epsg", "srid", "projection", "coordinate_system"),
    # Columns written by our own rejected-rows export (and our accepted-records extras); ignored on re-import.
    "_ignore": ("reason", "source_row", "rejection_reason"),
}

# Urdu-script header names (compared after the same normalisation, which keeps any script's letters).
URDU_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("نمبر", "حوالہ نمبر", "ایف آئی آر نمبر", "شناخت"),
    "date": ("تاریخ", "تاریخ واقعہ"),
    "year": ("سال",),
    "month": ("مہینہ", "ماہ"),
    "day": ("دن", "یوم"),
    "lat": ("عرض البلد", "عرض بلد"),
    "lon": ("طول البلد", "طول بلد"),
    "persons": ("تعداد", "افراد", "تعداد افراد", "نفری"),
    "case_type": ("نوعیت", "جرم کی نوعیت", "قسم"),
    "mode": ("ذریعہ", "ذریعہ سفر"),
    "agency": ("ادارہ", "محکمہ"),
    "place_name": ("مقام", "جگہ", "مقام واقعہ"),
    "nationality": ("قومیت", "شہریت"),
    "notes": ("کیفیت", "تبصرہ", "ریمارکس"),
    "source": ("ماخذ",),
}

GEOMETRY_LON = "__lon"
GEOMETRY_LAT = "__lat"
GEOMETRY_PROBLEM = "__geometry_problem"
SHEET = "__sheet"   # the worksheet a row came from, when a workbook's several sheets are read


def normalise_header(header) -> str:
    """Lower case, letters and digits of any script only: ``' No. of Persons '`` -> ``'noofpersons'``."""
    return re.sub(r"[\W_]+", "", str(header).strip().lower())


_LOOKUP = {normalise_header(spelling): field for synonyms in (SYNONYMS, URDU_SYNONYMS)
           for field, spellings in synonyms.items() for spelling in spellings}


def match_columns(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Map schema fields to column positions.

    Returns ``(field -> index, notes)``.  Exact synonym matches win; then close
    misspellings (``Lattitude``) are accepted with a note; a field claimed by two
    columns keeps the first and notes the other; unknown columns are listed once.
    """
    mapping: dict[str, int] = {}
    notes: list[str] = []
    unknown: list[str] = []
    for index, header in enumerate(headers):
        if header == GEOMETRY_LON:
            mapping["lon"] = index
            continue
        if header == GEOMETRY_LAT:
            mapping["lat"] = index
            continue
        if header == GEOMETRY_PROBLEM:
            mapping["_geometry_problem"] = index
            continue
        if header == SHEET:
            mapping["_sheet"] = index
            continue
        key = normalise_header(header)
        field = _LOOKUP.get(key)
        if field is None and len(key) >= 4:
            close = difflib.get_close_matches(key, list(_LOOKUP), n=1, cutoff=0.9)
            if close:
                field = _LOOKUP[close[0]]
                if field != "_ignore":
                    notes.append(f"column '{header}' read as {field}")
        if field is None:
            if key:
                unknown.append(str(header))
            continue
        if field == "_ignore":
            continue
        if field in mapping:
            if headers[mapping[field]] in (GEOMETRY_LON, GEOMETRY_LAT):
                notes.append(f"column '{header}' ignored: the file's point geometry gives the {field}")
            else:
                notes.append(f"column '{header}' ignored: {field} already comes from column "
                             f"'{headers[mapping[field]]}'")
            continue
        mapping[field] = index
    if unknown:
        shown = ", ".join(f"'{name}'" for name in unknown[:8])
        more = f" and {len(unknown) - 8} more" if len(unknown) > 8 else ""
        notes.append(f"{len(unknown)} column(s) not used: {shown}{more}")
    return mapping, notes


# Column names the user mapped (--map, a profile): they mark the header row even when no synonym does.
_USER_HEADERS: ContextVar[frozenset[str]] = ContextVar("user_headers", default=frozenset())


@contextmanager
def user_headers(names):
    """Within this block, ``names`` count as recognised headers when the header row is searched for."""
    token = _USER_HEADERS.set(frozenset(normalise_header(n) for n in names if n))
    try:
        yield
    finally:
        _USER_HEADERS.reset(token)


def recognised_count(headers: list[str]) -> int:
    """How many schema fields a candidate header row names (used to find the header row)."""
    mapping, _ = match_columns(headers)
    named = set(mapping.values())
    user = _USER_HEADERS.get()
    return len(mapping) + sum(1 for i, h in enumerate(headers) if i not in named and normalise_header(h) in user)
