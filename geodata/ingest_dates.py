"""Dates composed from parts, date precision, and Urdu / Eastern-Arabic digits.

Agencies' files often split a date over columns (``Incident year`` + ``Reported Month``) or know
only the month or the year.  :func:`compose_date` builds the first and last possible day from
such parts; :func:`precision_of` names how well a ``(first, last)`` pair is known, one of
``day``, ``month`` or ``year`` (the ``date_precision`` column of the intercept schema), so a
year-only record is never taken for a 1 January record.  :func:`normalise_digits` turns
``۲۰۱۱`` / ``٢٠١١`` into ``2011`` before any value is parsed.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache

from geodata.ingest_values import ValueProblem

# Extended Arabic-Indic (Urdu, Persian) and Arabic-Indic digits, plus the Arabic decimal and
# thousands separators, folded to ASCII.
_DIGITS = {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")})
_DIGITS.update({ord("٫"): ".", ord("٬"): ",", ord("،"): ","})

URDU_MONTHS = ("جنوری", "فروری", "مارچ", "اپریل", "مئی", "جون", "جولائی", "اگست", "ستمبر", "اکتوبر",
               "نومبر", "دسمبر")
_MONTH_NAMES: dict[str, int] = {}
for _number in range(1, 13):
    _MONTH_NAMES[calendar.month_name[_number].lower()] = _number
    _MONTH_NAMES[calendar.month_abbr[_number].lower()] = _number
    _MONTH_NAMES[URDU_MONTHS[_number - 1]] = _number
_MONTH_NAMES.update({"sept": 9, "مئ": 5, "جولائ": 7})


def normalise_digits(text: str) -> str:
    """Fold Urdu / Eastern-Arabic digits and separators to ASCII; other characters are kept.

    >>> normalise_digits("۱۴/۰۳/۲۰۱۱")
    '14/03/2011'
    """
    if text.isascii():
        return text
    return text.translate(_DIGITS)


def parse_month(text: str) -> int:
    """Month number from ``3``, ``03``, ``March``, ``Mar`` or the Urdu name (``مارچ``).

    Raises
    ------
    ValueProblem
        When the text is neither a month number 1..12 nor a month name.
    """
    value = normalise_digits(str(text).strip().lstrip("'")).strip().rstrip(".")
    if re.fullmatch(r"\d{1,2}(?:\.0+)?", value):
        number = int(float(value))
        if 1 <= number <= 12:
            return number
        raise ValueProblem(f"month {value} is not between 1 and 12")
    number = _MONTH_NAMES.get(value.lower())
    if number is None:
        raise ValueProblem(f"month '{text}' is not a month number or name")
    return number


def _whole_number(text: str, what: str) -> int:
    value = normalise_digits(str(text).strip().lstrip("'")).strip()
    if not re.fullmatch(r"\d{1,4}(?:\.0+)?", value):
        raise ValueProblem(f"{what} '{text}' is not a whole number")
    return int(float(value))


@lru_cache(maxsize=65536)   # a file repeats few year/month/day combinations
def compose_date(year: str, month: str = "", day: str = "") -> tuple[dt.date, dt.date, str]:
    """First and last possible day, and the precision, from year / month / day parts.

    Parameters
    ----------
    year : str
        The year (``2011``, ``۲۰۱۱``); required.
    month : str, optional
        Month number or English / Urdu name; empty when only the year is known.
    day : str, optional
        Day of the month; empty when only the month is known.

    Returns
    -------
    tuple
        ``(first, last, precision)`` with precision ``day``, ``month`` or ``year``.

    Raises
    ------
    ValueProblem
        When a part is missing, unreadable or the day does not exist.
    """
    if not str(year).strip():
        raise ValueProblem("year is empty; the date needs at least a year")
    number = _whole_number(year, "year")
    if number < 100:
        raise ValueProblem(f"year '{year}' needs four digits")
    if not str(month).strip():
        if str(day).strip():
            raise ValueProblem(f"day '{day}' is given but the month is empty")
        return dt.date(number, 1, 1), dt.date(number, 12, 31), "year"
    month_number = parse_month(month)
    last_day = calendar.monthrange(number, month_number)[1]
    if not str(day).strip():
        return dt.date(number, month_number, 1), dt.date(number, month_number, last_day), "month"
    day_number = _whole_number(day, "day")
    if not 1 <= day_number <= last_day:
        raise ValueProblem(f"day {day_number} does not exist in {calendar.month_name[month_number]} {number}")
    exact = dt.date(number, month_number, day_number)
    return exact, exact, "day"


def precision_of(first: dt.date, last: dt.date) -> str:
    """``day``, ``month`` or ``year``: the finest of the three that the period is known to.

    A period within one calendar month that is not a single day counts as ``month``; anything
    longer counts as ``year`` (periods over a year are refused before this).
    """
    if first == last:
        return "day"
    if (first.year, first.month) == (last.year, last.month):
        return "month"
    return "year"
