"""Column mapping: which column of a file feeds which Checkpost field, and why.

:func:`propose_mapping` looks at a file's headers (English, Urdu transliteration and Urdu
script names, close misspellings) and at a sample of its values (four-digit years, month names,
readable dates, whole-number counts, latitude/longitude ranges) and proposes one
:class:`FieldMapping` per field with the reason for the guess and the other candidate columns.
The user confirms or changes it (``overrides``: ``{"date": "Incident Date"}``, as given by
``--map date="Incident Date"`` or the Data page's mapping table).  Only a position and a date are
required; :func:`missing_required` reports once per file what is missing, with the candidates.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from geodata.ingest_columns import (GEOMETRY_LAT, GEOMETRY_LON, GEOMETRY_PROBLEM, SHEET, URDU_SYNONYMS, _LOOKUP,
                                    normalise_header)
from geodata.ingest_dates import normalise_digits, parse_month
from geodata.ingest_values import ValueProblem, parse_date

# Fields a column can feed, in the order the mapping table shows them.
FIELDS: dict[str, str] = {
    "id": "the source's record id (FIR no., Main ID): distinct ids are distinct records",
    "date": "date of the intercept (or a month / year it happened in)",
    "year": "year, when the date is split over columns",
    "month": "month (number or English / Urdu name), when the date is split over columns",
    "day": "day of the month, when the date is split over columns",
    "date_from": "first possible day of a period",
    "date_to": "last possible day of a period",
    "lat": "latitude (or y / northing with a CRS)",
    "lon": "longitude (or x / easting with a CRS)",
    "place_name": "place as written; looked up in the gazetteer when there are no coordinates",
    "persons": "number of persons (missing: 1, noted)",
    "case_type": "smuggling / trafficking / unknown (missing: unknown)",
    "mode": "land / sea / air (missing: unknown)",
    "agency": "intercepting agency",
    "nationality": "nationality of the persons",
    "notes": "free text",
    "synthetic": "true for simulated records",
    "source": "provenance of the record",
    "crs": "coordinate system of projected x/y values (e.g. EPSG:32642)",
}
SAMPLE_VALUES = 200
_COUNT_WORDS = ("number", "total", "count", "persons", "people", "dead", "missing", "migrants", "pax")
_URDU_NAMES = {normalise_header(s): f for f, spellings in URDU_SYNONYMS.items() for s in spellings}


@dataclass
class FieldMapping:
    """One row of the mapping table: the column feeding ``field`` (or None), why, and the alternatives."""

    field: str
    column: str | None
    reason: str
    candidates: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"field": self.field, "column": self.column or "", "reason": self.reason,
                "candidates": ", ".join(self.candidates)}


class MappingError(ValueError):
    """A user's mapping names a field or a column that does not exist; the message says which."""


def _name_reason(header: str, field_name: str) -> str | None:
    key = normalise_header(header)
    if _LOOKUP.get(key) == field_name:
        if key in _URDU_NAMES:
            return f"the Urdu header '{header}' means {field_name}"
        return f"the header '{header}' is a name for {field_name}"
    if len(key) >= 4:
        close = difflib.get_close_matches(key, list(_LOOKUP), n=1, cutoff=0.9)
        if close and _LOOKUP[close[0]] == field_name:
            return f"the header '{header}' is close to '{close[0]}' ({field_name})"
    return None


def _column_values(rows: list[list], index: int) -> list[str]:
    values = []
    for row in rows:
        if index < len(row):
            text = normalise_digits(str(row[index]).strip())
            if text:
                values.append(text)
        if len(values) >= SAMPLE_VALUES:
            break
    return values


def _numbers(values: list[str]) -> list[float] | None:
    try:
        return [float(v.replace(",", "")) for v in values]
    except ValueError:
        return None


def _value_reasons(header: str, values: list[str]) -> dict[str, str]:
    """Fields the values of one column look like, each with the reason."""
    if not values:
        return {}
    found: dict[str, str] = {}
    numbers = _numbers(values)
    if numbers is not None and all(n == int(n) for n in numbers):
        low, high = int(min(numbers)), int(max(numbers))
        if 1947 <= low and high <= 2100:
            found["year"] = f"values are four-digit years ({low}–{high})"
        elif 0 <= low and high <= 100_000 and any(w in normalise_header(header) for w in _COUNT_WORDS):
            found["persons"] = f"whole-number counts ({low}–{high}) under a counting header"
    if numbers is not None and any(n != int(n) for n in numbers):
        if all(-90 <= n <= 90 for n in numbers):
            found["lat"] = "decimal values within −90..90"
        elif all(-180 <= n <= 180 for n in numbers):
            found["lon"] = "decimal values within −180..180"
    if numbers is None:
        months = sum(1 for v in values if _parses(parse_month, v))
        if months == len(values):
            found["month"] = "values are month names"
        elif sum(1 for v in values if _parses(parse_date, v)) >= 0.8 * len(values):
            found["date"] = "values read as dates"
    return found


def _parses(parser, text: str) -> bool:
    """Whether ``parser`` (parse_month, parse_date) reads ``text`` without a ValueProblem."""
    try:
        parser(text)
    except ValueProblem:
        return False
    return True


def _geometry_fields(headers: list[str]) -> dict[str, int]:
    special = {GEOMETRY_LON: "lon", GEOMETRY_LAT: "lat", GEOMETRY_PROBLEM: "_geometry_problem", SHEET: "_sheet"}
    return {special[h]: i for i, h in enumerate(headers) if h in special}


def propose_mapping(headers: list[str], sample: list[list] = ()) -> list[FieldMapping]:
    """Propose a column for every field, from header names first, then from sample values.

    Parameters
    ----------
    headers : list of str
        The file's header row.
    sample : list of lists
        Some data rows (values in header order), used for value-pattern guesses.

    Returns
    -------
    list of FieldMapping
        One per field of :data:`FIELDS`, in that order; ``column`` is None when nothing fits.
    """
    geometry = _geometry_fields(headers)
    by_name: dict[str, list[tuple[str, str]]] = {}
    by_value: dict[str, list[tuple[str, str]]] = {}
    for index, header in enumerate(headers):
        if header.startswith("__") or _LOOKUP.get(normalise_header(header)) == "_ignore":
            continue
        named = [(f, r) for f in FIELDS if (r := _name_reason(header, f))]
        for field_name, reason in named[:1]:
            by_name.setdefault(field_name, []).append((header, reason))
        if not named:
            for field_name, reason in _value_reasons(header, _column_values(list(sample), index)).items():
                by_value.setdefault(field_name, []).append((header, reason))
    proposals = []
    for field_name in FIELDS:
        proposals.append(_choose(field_name, by_name.get(field_name, []), by_value.get(field_name, []),
                                 field_name in geometry))
    return _drop_value_guesses_for_filled(proposals)


def _choose(field_name: str, named: list[tuple[str, str]], valued: list[tuple[str, str]],
            from_geometry: bool) -> FieldMapping:
    if from_geometry:
        others = [h for h, _ in named]
        return FieldMapping(field_name, None, "taken from the file's point geometry", others)
    if named:
        header, reason = named[0]
        return FieldMapping(field_name, header, reason, [h for h, _ in named[1:] + valued])
    # Value patterns alone decide only for date parts; persons and positions are offered, not assumed.
    if len(valued) == 1 and field_name in ("year", "month", "date"):
        header, reason = valued[0]
        return FieldMapping(field_name, header, f"guessed: {reason}", [])
    return FieldMapping(field_name, None, "no column found" if not valued else "several columns could fit",
                        [f"{h} ({r})" for h, r in valued])


def _drop_value_guesses_for_filled(proposals: list[FieldMapping]) -> list[FieldMapping]:
    """A guessed year/month is pointless when a date column is named; keep them as candidates only."""
    by_field = {p.field: p for p in proposals}
    if by_field["date"].column and not by_field["date"].reason.startswith("guessed"):
        for part in ("year", "month", "day"):
            guess = by_field[part]
            if guess.column and guess.reason.startswith("guessed"):
                by_field[part] = FieldMapping(part, None, "a date column is named", [guess.column])
    return [by_field[p.field] for p in proposals]


def _find_column(headers: list[str], wanted: str) -> str:
    if wanted in headers:
        return wanted
    key = normalise_header(wanted)
    for header in headers:
        if normalise_header(header) == key and key:
            return header
    shown = ", ".join(f"'{h}'" for h in headers if not h.startswith("__"))
    raise MappingError(f"the file has no column '{wanted}'; its columns are {shown}")


def apply_overrides(proposals: list[FieldMapping], headers: list[str],
                    overrides: dict[str, str | None] | None) -> list[FieldMapping]:
    """The proposals with the user's choices applied (``{field: column}``; an empty column unmaps).

    Raises
    ------
    MappingError
        When a field is not one of :data:`FIELDS` or a column is not in ``headers``.
    """
    if not overrides:
        return proposals
    by_field = {p.field: p for p in proposals}
    for field_name, column in overrides.items():
        if field_name not in FIELDS:
            raise MappingError(f"'{field_name}' is not a Checkpost field; use one of {', '.join(FIELDS)}")
        if column is None or not str(column).strip():
            by_field[field_name] = FieldMapping(field_name, None, "left out by the user", [])
            continue
        header = _find_column(headers, str(column))
        by_field[field_name] = FieldMapping(field_name, header, "chosen by the user", [])
    return [by_field[p.field] for p in proposals]


def parse_map_options(items: list[str] | None) -> dict[str, str]:
    """``["date=Incident Date", "persons=Total"]`` (the CLI's ``--map``) -> ``{field: column}``."""
    overrides: dict[str, str] = {}
    for item in items or ():
        name, sep, column = str(item).partition("=")
        if not sep or not name.strip():
            raise MappingError(f"--map '{item}' must be FIELD=COLUMN, e.g. --map date='Incident Date'")
        overrides[name.strip()] = column.strip()
    return overrides


def mapping_index(proposals: list[FieldMapping], headers: list[str]) -> dict[str, int]:
    """``field -> column position`` for the validator (geometry helper columns included)."""
    index = _geometry_fields(headers)
    positions = {h: i for i, h in reversed(list(enumerate(headers)))}
    for proposal in proposals:
        if proposal.column is not None:
            index[proposal.field] = positions[proposal.column]
    return index


def missing_required(proposals: list[FieldMapping], headers: list[str]) -> list[dict]:
    """File-level problems: a required field with no column, with the columns that could fill it.

    Returns a list of ``{"field", "message", "candidates"}``, empty when a date and a position
    can be read.
    """
    mapped = set(mapping_index(proposals, headers))
    unused = [h for h in headers if not h.startswith("__")
              and h not in {p.column for p in proposals if p.column}]
    by_field = {p.field: p for p in proposals}
    problems = []
    if not ({"date", "date_from", "date_to", "year"} & mapped):
        candidates = _candidates(by_field, ("date", "year", "month", "date_from"), unused)
        problems.append({"field": "date", "candidates": candidates, "message": (
            "the file has no date column (nor year / month columns); map one with --map date=COLUMN "
            "or --map year=COLUMN --map month=COLUMN" + _candidate_text(candidates))})
    if not ({"lat", "lon"} & mapped) and "place_name" not in mapped:
        candidates = _candidates(by_field, ("lat", "lon", "place_name"), unused)
        problems.append({"field": "position", "candidates": candidates, "message": (
            "the file has neither latitude/longitude nor place columns; map them with --map lat=COLUMN "
            "--map lon=COLUMN (or --map place_name=COLUMN)" + _candidate_text(candidates))})
    elif len({"lat", "lon"} & mapped) == 1 and "place_name" not in mapped:
        have = "lat" if "lat" in mapped else "lon"
        other = "lon" if have == "lat" else "lat"
        candidates = _candidates(by_field, (other,), unused)
        problems.append({"field": other, "candidates": candidates, "message": (
            f"the file has a {have} column but no {other} column; map it with --map {other}=COLUMN"
            + _candidate_text(candidates))})
    return problems


def _candidates(by_field: dict[str, FieldMapping], fields: tuple[str, ...], unused: list[str]) -> list[str]:
    found = [c for f in fields for c in by_field[f].candidates]
    return list(dict.fromkeys(found)) or unused[:8]


def _candidate_text(candidates: list[str]) -> str:
    return f"; candidate columns: {', '.join(candidates)}" if candidates else ""


def signature(headers: list[str]) -> str:
    """The normalised, order-free set of a file's headers: files with the same columns match."""
    return "|".join(sorted({normalise_header(h) for h in headers if h and not h.startswith("__")}))


def mapping_notes(proposals: list[FieldMapping], headers: list[str]) -> list[str]:
    """File-level notes: misspelt headers read anyway, columns a field already had, unused columns."""
    notes = []
    used = {p.column for p in proposals if p.column}
    geometry = _geometry_fields(headers)
    for proposal in proposals:
        if proposal.column and "is close to" in proposal.reason:
            notes.append(f"column '{proposal.column}' read as {proposal.field}")
        for other in proposal.candidates:
            if other in headers and other not in used and _LOOKUP.get(normalise_header(other)) == proposal.field:
                if proposal.field in geometry:
                    notes.append(f"column '{other}' ignored: the file's point geometry gives the {proposal.field}")
                elif proposal.column:
                    notes.append(f"column '{other}' ignored: {proposal.field} already comes from column "
                                 f"'{proposal.column}'")
                used.add(other)
    unknown = [h for h in headers if h not in used and not h.startswith("__") and normalise_header(h)
               and _LOOKUP.get(normalise_header(h)) != "_ignore"]
    if unknown:
        shown = ", ".join(f"'{name}'" for name in unknown[:8])
        more = f" and {len(unknown) - 8} more" if len(unknown) > 8 else ""
        notes.append(f"{len(unknown)} column(s) not used: {shown}{more}")
    return notes


__all__ = ["FIELDS", "FieldMapping", "MappingError", "propose_mapping", "apply_overrides", "parse_map_options",
           "mapping_index", "mapping_notes", "missing_required", "signature"]
