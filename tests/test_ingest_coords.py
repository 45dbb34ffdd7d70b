"""Coordinate parsers: every supported notation round-trips to within 1 m (hypothesis), and bad values
get messages that name the axis and the value."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geodata.coords import CoordinateError, parse_angle, parse_coordinate
from geodata.crs import geodesic_m
from geodata.ingest import read_intercepts

latitudes = st.floats(min_value=-89.999, max_value=89.999, allow_nan=False)
longitudes = st.floats(min_value=-179.999, max_value=179.999, allow_nan=False)


# Writers for each notation, written independently of the parser.
def _split(value: float, unit_per_degree: int, decimals: int):
    """(sign, degrees, remainder in units) with the remainder rounded as a clerk would write it."""
    scale = 10 ** decimals
    total = round(abs(value) * unit_per_degree * scale)
    degrees, rest = divmod(total, unit_per_degree * scale)
    return (-1 if value < 0 else 1), degrees, rest / scale


def decimal_point(value, axis):
    return f"{value:.6f}"


def decimal_comma(value, axis):
    return f"{value:.6f}".replace(".", ",")


def decimal_letter_after(value, axis):
    letter = ("N" if value >= 0 else "S") if axis == "lat" else ("E" if value >= 0 else "W")
    return f"{abs(value):.6f}°{letter}"


def decimal_letter_before(value, axis):
    letter = ("N" if value >= 0 else "S") if axis == "lat" else ("E" if value >= 0 else "W")
    return f"{letter} {abs(value):.6f}"


def dms_symbols(value, axis):
    sign, degrees, seconds = _split(value, 3600, 3)
    minutes, seconds = divmod(seconds, 60)
    letter = ("N" if sign > 0 else "S") if axis == "lat" else ("E" if sign > 0 else "W")
    return f"{degrees}°{int(minutes):02d}'{seconds:06.3f}\"{letter}"


def dms_unicode_primes_comma(value, axis):
    sign, degrees, seconds = _split(value, 3600, 3)
    minutes, seconds = divmod(seconds, 60)
    letter = ("N" if sign > 0 else "S") if axis == "lat" else ("E" if sign > 0 else "W")
    return f"{degrees}° {int(minutes)}′ {seconds:.3f}″ {letter}".replace(".", ",")


def dms_spaces_signed(value, axis):
    sign, degrees, seconds = _split(value, 3600, 3)
    minutes, seconds = divmod(seconds, 60)
    return f"{'-' if sign < 0 else ''}{degrees} {int(minutes)} {seconds:.3f}"


def dms_colons(value, axis):
    sign, degrees, seconds = _split(value, 3600, 3)
    minutes, seconds = divmod(seconds, 60)
    return f"{'-' if sign < 0 else ''}{degrees}:{int(minutes):02d}:{seconds:06.3f}"


def dms_letters(value, axis):
    sign, degrees, seconds = _split(value, 3600, 3)
    minutes, seconds = divmod(seconds, 60)
    letter = ("N" if sign > 0 else "S") if axis == "lat" else ("E" if sign > 0 else "W")
    return f"{degrees}d{int(minutes)}m{seconds:.3f}s {letter}"


def ddm(value, axis):
    sign, degrees, minutes = _split(value, 60, 5)
    letter = ("N" if sign > 0 else "S") if axis == "lat" else ("E" if sign > 0 else "W")
    return f"{letter}{degrees}°{minutes:08.5f}'"


WRITERS = [decimal_point, decimal_comma, decimal_letter_after, decimal_letter_before, dms_symbols,
           dms_unicode_primes_comma, dms_spaces_signed, dms_colons, dms_letters, ddm]


@settings(max_examples=400, deadline=None)
@given(lat=latitudes, lon=longitudes, writer=st.sampled_from(WRITERS))
def test_any_notation_round_trips_within_one_metre(lat, lon, writer):
    lat_text, lon_text = writer(lat, "lat"), writer(lon, "lon")
    parsed_lat = parse_coordinate(lat_text, "lat")
    parsed_lon = parse_coordinate(lon_text, "lon")
    assert geodesic_m(lon, lat, parsed_lon, parsed_lat) < 1.0, (lat_text, lon_text)


@settings(max_examples=25, deadline=None)
@given(lat=st.floats(min_value=24.0, max_value=36.5), lon=st.floats(min_value=61.5, max_value=77.0),
       lat_writer=st.sampled_from(WRITERS), lon_writer=st.sampled_from(WRITERS))
def test_notations_round_trip_through_a_whole_csv_import(lat, lon, lat_writer, lon_writer):
    # Any mix of notations in one file; quoting keeps commas and quotes inside the cells.
    def cell(text):
        return '"' + text.replace('"', '""') + '"'

    data = ("date,latitude,longitude,persons,case_type,mode\n"
            f"2011-03-14,{cell(lat_writer(lat, 'lat'))},{cell(lon_writer(lon, 'lon'))},2,smuggling,land\n")
    result = read_intercepts(data.encode("utf-8"), file_name="notations.csv")
    assert len(result.accepted) == 1, result.rejected.to_dict("records")
    point = result.accepted.geometry.iloc[0]
    assert geodesic_m(lon, lat, point.x, point.y) < 1.0


@pytest.mark.parametrize("text, expected", [
    ("24°51'38.52\"N", 24 + 51 / 60 + 38.52 / 3600),
    ("24 51 38.52 S", -(24 + 51 / 60 + 38.52 / 3600)),
    ("N 30°10.788'", 30 + 10.788 / 60),
    ("24,8607", 24.8607),
    ("'24.8607", 24.8607),            # Excel's text marker
    ("24d51m38.52s", 24 + 51 / 60 + 38.52 / 3600),   # trailing s = seconds, not south
    ("-0.5", -0.5),
])
def test_known_values(text, expected):
    assert parse_coordinate(text, "lat") == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("text, axis, message", [
    ("91.2", "lat", "latitude 91.2 is outside −90..90"),
    ("-180.5", "lon", "longitude −180.5 is outside −180..180"),
    ("24°75'00\"N", "lat", "minutes 75 must be below 60"),
    ("24°10'61\"N", "lat", "seconds 61 must be below 60"),
    ("67.0 E", "lat", "has the letter E, which belongs to a longitude"),
    ("-24.5 S", "lat", "both a minus sign and S"),
    ("abc", "lon", "cannot read longitude 'abc'"),
    ("", "lat", "latitude is empty"),
    ("24.5.6", "lat", "only the last of degrees/minutes/seconds may have decimals"),
])
def test_bad_values_are_rejected_with_the_reason(text, axis, message):
    with pytest.raises(CoordinateError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_coordinate(text, axis)


def test_parse_angle_reports_notation_and_hemisphere():
    angle = parse_angle("66°58'30\"E", "lat")
    assert angle.hemisphere == "E" and angle.notation == "dms"
    assert angle.degrees == pytest.approx(66.975)


def test_dates_in_the_coordinate_module_are_not_confused():
    # A date in a coordinate cell must not be read as DMS.
    with pytest.raises(CoordinateError):
        parse_coordinate("2011-03-14", "lat")
