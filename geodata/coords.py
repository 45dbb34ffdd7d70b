"""Read coordinates the way clerks write them.

Supported notations for one angle (latitude or longitude):

* decimal degrees, point or comma decimal: ``24.8607``, ``-24.8607``, ``24,8607``
* with a hemisphere letter before or after: ``24.8607 N``, ``N24.8607``, ``67.01°E``
* degrees and decimal minutes: ``24°51.642'N``, ``24 51.642 N``
* degrees, minutes, seconds: ``24°51'38.52"N``, ``24 51 38.52 N``, ``24:51:38.52``,
  ``24d51m38.52s N``, unicode primes ``24°51′38.52″N``, comma decimal seconds ``38,52``

A leading apostrophe (Excel's "treat as text" marker) is ignored.  Every error
is a :class:`CoordinateError` whose message names the axis and the value.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

LAT_RANGE = (-90.0, 90.0)
LON_RANGE = (-180.0, 180.0)

# Loose bounding box of Pakistan (lon_min, lat_min, lon_max, lat_max), used
# only to decide whether a latitude/longitude swap is the likelier reading.
PAKISTAN_BBOX = (60.5, 23.4, 77.9, 37.2)

_AXIS_NAME = {"lat": "latitude", "lon": "longitude"}
_AXIS_LETTERS = {"lat": "NS", "lon": "EW"}

_PRIMES = str.maketrans({"′": "'", "’": "'", "‘": "'", "´": "'", "`": "'",
                         "″": '"', "”": '"', "“": '"', "º": "°", "˚": "°",
                         "−": "-", "–": "-"})
_PLAIN_DECIMAL = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)\s*$")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
# Characters allowed between the numbers of one coordinate.
_SEPARATORS = re.compile(r"^[\s°'\":dDmMsS]*$")


class CoordinateError(ValueError):
    """A coordinate value that cannot be read; the message is meant for a clerk."""


@dataclass(frozen=True)
class Angle:
    """A parsed angle: signed degrees, the hemisphere letter seen (or None) and the notation."""

    degrees: float
    hemisphere: str | None
    notation: str  # "decimal", "decimal-comma", "ddm" or "dms"


def _split_hemisphere(text: str) -> tuple[str | None, str]:
    """Take a hemisphere letter off the start or end of ``text``.

    A trailing lowercase ``s`` counts as "seconds", not "south", when the text
    uses ``d``/``m`` unit letters (``24d51m38.5s``).
    """
    head = re.match(r"^([NSEWnsew])\.?\s*(\d.*)$", text)
    if head:
        return head.group(1).upper(), head.group(2)
    tail = re.match(r"^(.*[\d°'\"s])\s*([NSEWnsew])\.?$", text)
    if tail:
        letter = tail.group(2)
        if letter == "s" and re.search(r"\d\s*[dm]", tail.group(1)):
            return None, text
        return letter.upper(), tail.group(1)
    return None, text


def parse_angle(value, axis: str = "lat") -> Angle:
    """Parse one angle without range checks. ``axis`` only shapes the error messages."""
    name = _AXIS_NAME[axis]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise CoordinateError(f"{name} is empty")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Angle(float(value), None, "decimal")
    if _PLAIN_DECIMAL.match(value if isinstance(value, str) else ""):
        return Angle(float(value), None, "decimal")  # fast path for the common case
    text = str(value).strip().lstrip("'").strip().translate(_PRIMES)
    if not text:
        raise CoordinateError(f"{name} is empty")
    original = str(value).strip()

    hemisphere, text = _split_hemisphere(text)

    sign = 1.0
    text = text.strip()
    if text.startswith("-"):
        sign, text = -1.0, text[1:].strip()
    elif text.startswith("+"):
        text = text[1:].strip()

    notation_comma = False
    if "," in text:
        if "." in text or text.count(",") > 1 and not re.search(r"[°'\":\s]", text):
            raise CoordinateError(f"cannot read {name} '{original}': mixed decimal separators")
        text = text.replace(",", ".")
        notation_comma = True

    numbers = _NUMBER.findall(text)
    rest = _NUMBER.sub(" ", text)
    if not numbers or not _SEPARATORS.match(rest) or "-" in rest:
        raise CoordinateError(
            f"cannot read {name} '{original}'; write it as decimal degrees (24.8607) "
            "or degrees-minutes-seconds (24°51'38.5\"N)")
    if len(numbers) > 3:
        raise CoordinateError(f"cannot read {name} '{original}': too many numbers")
    parts = [float(n) for n in numbers]
    for part in parts[:-1]:
        if part != int(part):
            raise CoordinateError(
                f"{name} '{original}': only the last of degrees/minutes/seconds may have decimals")
    degrees = parts[0]
    if len(parts) >= 2:
        if parts[1] >= 60:
            raise CoordinateError(f"{name} '{original}': minutes {numbers[1]} must be below 60")
        degrees += parts[1] / 60.0
    if len(parts) == 3:
        if parts[2] >= 60:
            raise CoordinateError(f"{name} '{original}': seconds {numbers[2]} must be below 60")
        degrees += parts[2] / 3600.0
    notation = {1: "decimal-comma" if notation_comma else "decimal", 2: "ddm", 3: "dms"}[len(parts)]

    if hemisphere in ("S", "W"):
        if sign < 0:
            raise CoordinateError(f"{name} '{original}' has both a minus sign and {hemisphere}")
        sign = -1.0
    return Angle(sign * degrees, hemisphere, notation)


def check_range(degrees: float, axis: str) -> float:
    """Return ``degrees`` or raise a CoordinateError naming the valid range."""
    low, high = LAT_RANGE if axis == "lat" else LON_RANGE
    if not (low <= degrees <= high) or math.isnan(degrees):
        raise CoordinateError(f"{_AXIS_NAME[axis]} {degrees:g} is outside {low:g}..{high:g}"
                              .replace("-", "−"))
    return degrees


def parse_coordinate(value, axis: str = "lat") -> float:
    """Parse a latitude (``axis="lat"``) or longitude (``axis="lon"``) to signed decimal degrees.

    A hemisphere letter of the other axis (``67 E`` given as a latitude) is an error.
    """
    angle = parse_angle(value, axis)
    if angle.hemisphere and angle.hemisphere not in _AXIS_LETTERS[axis]:
        other = "longitude" if axis == "lat" else "latitude"
        raise CoordinateError(
            f"{_AXIS_NAME[axis]} '{str(value).strip()}' has the letter {angle.hemisphere}, "
            f"which belongs to a {other}")
    return check_range(angle.degrees, axis)


def in_pakistan(lon: float, lat: float) -> bool:
    """True when (lon, lat) falls inside the loose bounding box of Pakistan."""
    lon_min, lat_min, lon_max, lat_max = PAKISTAN_BBOX
    return lon_min <= lon <= lon_max and lat_min <= lat <= lat_max
