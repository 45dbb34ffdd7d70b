"""Place-name look-up over the shipped GeoNames extract, hand-recorded places and layer features.

    >>> from geodata.gazetteer import lookup
    >>> lookup("Gwader")            # alternate spelling
    (62.325, 25.122...)

Matching is tolerant of case, accents, punctuation and the vowel spellings that differ between
transliterations of Urdu and Balochi names (Gwadar/Gwader, Baluchistan/Balochistan): names are compared
first exactly after normalisation, then by their consonant skeleton.  Ties go to the larger place.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from geodata import LAYERS_DIR

# Spellings that differ by more than vowels.
_PHONETIC = (("ph", "f"), ("kh", "k"), ("gh", "g"), ("q", "k"), ("ck", "k"), ("w", "v"), ("z", "j"),
             ("th", "t"), ("dh", "d"), ("sh", "s"), ("ch", "c"))
_COUNTRY_ALIASES = {"PAK": "PK", "IRN": "IR", "AFG": "AF", "OMN": "OM", "ARE": "AE", "IND": "IN", "CHN": "CN",
                    "TUR": "TR", "PAKISTAN": "PK", "IRAN": "IR", "AFGHANISTAN": "AF", "OMAN": "OM", "UAE": "AE",
                    "UNITED ARAB EMIRATES": "AE", "INDIA": "IN", "CHINA": "CN", "TURKEY": "TR", "TURKIYE": "TR"}
# The countries the routes run through: search and labels must work in each of them.
ROUTE_COUNTRIES = ("PK", "AF", "IR", "TR", "OM", "AE", "IN", "CN")


def normalise(name: str) -> str:
    """Lower-case ASCII with single spaces: 'Spīn Bōldak' -> 'spin boldak'."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def skeleton(name: str) -> str:
    """Consonant skeleton used to match transliteration variants."""
    text = normalise(name).replace(" ", "")
    for a, b in _PHONETIC:
        text = text.replace(a, b)
    if not text:
        return ""
    body = re.sub(r"[aeiouy]", "", text[1:])
    return re.sub(r"(.)\1+", r"\1", text[0] + body)


@dataclass(frozen=True)
class Place:
    name: str
    lon: float
    lat: float
    country: str
    kind: str
    population: int
    source: str


@lru_cache(maxsize=1)
def _index() -> tuple[pd.DataFrame, dict[str, list[int]], dict[str, list[int]]]:
    places = pd.read_csv(LAYERS_DIR / "places.csv", dtype={"alternatenames": str}, keep_default_na=False)
    places = pd.concat([places, _layer_places()], ignore_index=True)
    exact: dict[str, list[int]] = {}
    skel: dict[str, list[int]] = {}
    for i, (name, alts) in enumerate(zip(places["name"], places["alternatenames"])):
        for variant in {name, *[a for a in str(alts).split("|") if a]}:
            exact.setdefault(normalise(variant), []).append(i)
            skel.setdefault(skeleton(variant), []).append(i)
    return places, exact, skel


def _layer_places() -> pd.DataFrame:
    """Features of the point layers are places too (crossings, launch points, hubs)."""
    import geodata

    rows = []
    for name in ("crossings", "launch_points", "hubs", "destinations"):
        gdf = geodata.layer(name)
        for _, f in gdf.iterrows():
            rows.append({"place_id": f["id"], "name": f["name"], "alternatenames": f["id"],
                         "country": f["country"] if name in ("hubs", "destinations") else "PK",
                         "admin1": "", "lon": f.geometry.x, "lat": f.geometry.y, "population": -1,
                         "kind": f["kind"], "source": f["source"]})
    frame = pd.DataFrame(rows)
    frame["country"] = frame["country"].replace(geodata.DESTINATION_GEONAMES_COUNTRY)  # hubs are ISO2 already
    return frame


def _candidates(name: str, country: str | None) -> pd.DataFrame:
    places, exact, skel = _index()
    for table, key in ((exact, normalise(name)), (skel, skeleton(name))):
        rows = places.iloc[sorted(set(table.get(key, [])))]
        if country is not None:
            rows = rows[rows["country"] == country]
        if not rows.empty:
            return rows.sort_values("population", ascending=False)
    return places.iloc[0:0]


def country_code(country: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a code, ISO3 code or English name ('Iran', 'IRN', 'ir' -> 'IR')."""
    if not country:
        return None
    text = str(country).strip().upper()
    return _COUNTRY_ALIASES.get(text, text)


def countries() -> list[str]:
    """ISO2 codes of the countries the gazetteer holds places for."""
    return sorted(_index()[0]["country"].dropna().astype(str).unique())


def populated_places(country: str | None = None, min_population: int = 0) -> pd.DataFrame:
    """GeoNames populated places (name, country, admin1, lon, lat, population, source), optionally of one country."""
    places = _index()[0]
    keep = (places["kind"] == "populated_place") & (places["population"] >= min_population)
    code = country_code(country)
    if code is not None:
        keep &= places["country"] == code
    columns = ["name", "country", "admin1", "lon", "lat", "population", "source"]
    return places.loc[keep, columns].reset_index(drop=True)


def find(name: str, country: str | None = "PK") -> Place:
    """The best match for `name` as a :class:`Place`; raises LookupError with suggestions.

    ``country``: ISO2/ISO3 code or English name to search in (default Pakistan); None searches all.
    """
    if not isinstance(name, str) or not name.strip():
        raise LookupError("place name is empty")
    country = country_code(country)
    rows = _candidates(name, country)
    if rows.empty:
        raise LookupError(f"no place called {name!r}" + (f" in {country}" if country else "")
                          + _suggest(name, country))
    r = rows.iloc[0]
    return Place(r["name"], float(r["lon"]), float(r["lat"]), r["country"], r["kind"],
                 int(r["population"]), r["source"])


def lookup(name: str, country: str | None = "PK") -> tuple[float, float]:
    """(lon, lat) of the place called `name` (case-, accent- and spelling-tolerant)."""
    place = find(name, country)
    return place.lon, place.lat


def suggestions(name: str, country: str | None = "PK", n: int = 5) -> list[str]:
    """Close names for a search box."""
    places, exact, _ = _index()
    country = country_code(country)
    keys = list(exact) if country is None else [
        k for k, idx in exact.items() if any(places.at[i, "country"] == country for i in idx)]
    return [places.at[exact[k][0], "name"] for k in difflib.get_close_matches(normalise(name), keys, n=n, cutoff=0.6)]


def _suggest(name: str, country: str | None) -> str:
    close = suggestions(name, country)
    return f"; did you mean {', '.join(dict.fromkeys(close))}?" if close else ""
