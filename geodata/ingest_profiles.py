"""Named column mappings ("profiles") for files that come in the same layout again and again.

A profile maps Checkpost fields to a partner's column names (``{"lon": "X", "year": "Incident
year", ...}``).  Profiles ship as JSON files in ``geodata/profiles/`` (the Checkpost template and
the IOM Missing Migrants export); users' profiles are kept in the database by
:mod:`store.profiles`, which builds the same :class:`Profile` objects.  A profile fits a file when
every column it needs is among the file's headers; :func:`matching_profiles` offers those.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from geodata.ingest_columns import normalise_header
from geodata.ingest_mapping import FIELDS, MappingError

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"


@dataclass(frozen=True)
class Profile:
    """A named mapping ``field -> column``; ``optional`` columns may be absent from a file."""

    name: str
    columns: dict[str, str]
    description: str = ""
    optional: tuple[str, ...] = ()
    origin: str = "shipped"              # "shipped" or "store"
    created_by: str | None = None
    created_at: str | None = None
    headers: tuple[str, ...] = field(default=())

    def missing_columns(self, headers: list[str]) -> list[str]:
        """Required columns of this profile that ``headers`` lack."""
        present = {normalise_header(h) for h in headers}
        return [column for name, column in self.columns.items()
                if name not in self.optional and normalise_header(column) not in present]

    def fits(self, headers: list[str]) -> bool:
        return not self.missing_columns(headers)

    def overrides(self, headers: list[str]) -> dict[str, str | None]:
        """``{field: column}`` for :func:`geodata.ingest_mapping.apply_overrides`.

        Raises
        ------
        MappingError
            When a required column of the profile is not in the file.
        """
        missing = self.missing_columns(headers)
        if missing:
            raise MappingError(f"profile '{self.name}' needs column(s) {', '.join(repr(c) for c in missing)}, "
                               "which the file does not have")
        present = {normalise_header(h) for h in headers}
        return {name: column for name, column in self.columns.items() if normalise_header(column) in present}


def profile_from_dict(data: dict, origin: str = "shipped") -> Profile:
    """A Profile from its JSON form; unknown fields are refused with their names."""
    columns = dict(data.get("columns") or {})
    unknown = [name for name in columns if name not in FIELDS]
    if not data.get("name") or not columns or unknown:
        raise MappingError(f"profile {data.get('name')!r} is not valid: it needs a name and columns "
                           f"for known fields (unknown: {unknown})")
    optional = tuple(name for name in data.get("optional", ()) if name in columns)
    return Profile(str(data["name"]), columns, str(data.get("description", "")), optional, origin,
                   data.get("created_by"), data.get("created_at"), tuple(data.get("headers", ())))


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Profile]:
    profiles = {}
    for path in sorted(PROFILES_DIR.glob("*.json")):
        profile = profile_from_dict(json.loads(path.read_text(encoding="utf-8")))
        profiles[profile.name] = profile
    return profiles


def shipped_profiles() -> list[Profile]:
    """The profiles shipped with Checkpost."""
    return list(_shipped().values())


def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by name, or a profile JSON file by path.

    Raises
    ------
    MappingError
        When no shipped profile has that name and no such file exists.
    """
    shipped = _shipped()
    if name_or_path in shipped:
        return shipped[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".json" and path.is_file():
        return profile_from_dict(json.loads(path.read_text(encoding="utf-8")), origin="file")
    raise MappingError(f"no profile named '{name_or_path}'; shipped profiles: {', '.join(shipped)} "
                       "(profiles saved in the database: python -m store profiles)")


def matching_profiles(headers: list[str], extra: list[Profile] = ()) -> list[Profile]:
    """Profiles (``extra`` first, e.g. the store's, then the shipped ones) that fit these headers."""
    return [profile for profile in [*extra, *shipped_profiles()] if profile.fits(headers)]
