"""Read single values of an intercept record: dates, persons, case type, mode, text.

Each parser returns the clean value or raises :class:`ValueProblem` with a
message a clerk can act on.
"""
from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from geodata.schema import CASE_TYPES, MODES

MAX_PERIOD_DAYS = 366
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


QUOTE_CHARS = 60   # a value echoed in a message is cut to this many characters


class ValueProblem(ValueError):
    """One field of one row is unusable; the message says why and what would fix it."""


def quote(value, limit: int = QUOTE_CHARS) -> str:
    """A cell's text for a message: cut to ``limit`` characters so no message echoes a whole file."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


# ---------------------------------------------------------------- dates

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[-/. ]+([A-Za-z]+)\.?,?[-/. ]+(\d{2}|\d{4})$")
_MONTH_NAME_DAY = re.compile(r"^([A-Za-z]+)\.?[-/. ]+(\d{1,2})(?:st|nd|rd|th)?,?[-/. ]+(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_MONTH_NAME_YEAR = re.compile(r"^([A-Za-z]+)\.?,?[-/ ]+(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        pivot = dt.date.today().year % 100
        year += 2000 if year <= pivot else 1900
    return year


def _month(name: str, original: str) -> int:
    number = _MONTHS.get(name.lower())
    if number is None:
        raise ValueProblem(f"date '{original}': '{name}' is not a month name")
    return number


def _make(year: int, month: int, day: int, original: str, order_hint: str = "") -> dt.date:
    if not 1 <= month <= 12:
        raise ValueProblem(f"date '{original}' has no month {month}{order_hint}")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueProblem(f"date '{original}' is not a valid date") from None


def _month_period(year: int, month: int, original: str) -> tuple[dt.date, dt.date]:
    if not 1 <= month <= 12:
        raise ValueProblem(f"date '{original}' has no month {month}")
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


@lru_cache(maxsize=65536)
def parse_date(text: str, dayfirst: bool = True) -> tuple[dt.date, dt.date]:
    """Return ``(first, last)`` possible day: equal for a day, a whole month or year for a period.

    Numeric dates like ``03/04/2011`` are read day-first unless ``dayfirst`` is False.
    """
    original = str(text).strip()
    value = original.lstrip("'").strip()
    if not value:
        raise ValueProblem("date is empty")
    match = _ISO.match(value)
    if match:
        day = _make(int(match[1]), int(match[2]), int(match[3]), original)
        return day, day
    match = _NUMERIC.match(value)
    if match:
        first, second, year = int(match[1]), int(match[2]), _year(match[3])
        day, month = (first, second) if dayfirst else (second, first)
        hint = " (dates in this file are read day-first, DD/MM/YYYY)" if dayfirst else \
            " (dates in this file are read month-first, MM/DD/YYYY)"
        day = _make(year, month, day, original, hint)
        return day, day
    match = _DAY_MONTH_NAME.match(value)
    if match:
        day = _make(_year(match[3]), _month(match[2], original), int(match[1]), original)
        return day, day
    match = _MONTH_NAME_DAY.match(value)
    if match and match[1].lower() in _MONTHS:
        day = _make(int(match[3]), _month(match[1], original), int(match[2]), original)
        return day, day
    match = _YEAR_MONTH.match(value)
    if match:
        return _month_period(int(match[1]), int(match[2]), original)
    match = _MONTH_YEAR.match(value)
    if match:
        return _month_period(int(match[2]), int(match[1]), original)
    match = _MONTH_NAME_YEAR.match(value)
    if match:
        return _month_period(int(match[2]), _month(match[1], original), original)
    match = _YEAR.match(value)
    if match:
        year = int(match[1])
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    match = _EXCEL_SERIAL.match(value)
    if match and 20000 <= int(match[1]) <= 80000:
        # Excel's day count from 1899-12-30, as left behind when a date cell is exported as a number.
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(match[1]))
        return day, day
    raise ValueProblem(f"date '{quote(original)}' is not a date that can be read; write it as "
                       "YYYY-MM-DD or DD/MM/YYYY (or a month like 2011-03 when the day is not known)")


def numeric_date_order(values) -> bool | None:
    """Day-first (True) or month-first (False) from values like 03/14/2011, or None without evidence.

    Kept for callers that decide one order for a list of values; an import decides per
    column with :func:`decide_date_order`, which never switches on one row and refuses to
    guess when a column holds both orders.
    """
    order = decide_date_order("date", enumerate(values))
    return order.dayfirst if (order.day_first_rows or order.month_first_rows) else None


MIN_MONTH_FIRST_EVIDENCE = 2   # rows that can only be month-first before a column is read so
EVIDENCE_SHOWN = 5


@dataclass
class DateOrder:
    """How one column's numeric dates (``03/04/2011``) are read, with the rows that decided it.

    ``dayfirst`` is True or False when the column is read one way, None when the evidence
    is mixed or too thin: then only dates that can be read one way only are read, and
    ambiguous ones are rejected with :attr:`reason`.
    """

    column: str
    dayfirst: bool | None
    day_first_rows: list = field(default_factory=list)
    month_first_rows: list = field(default_factory=list)
    forced: bool = False

    @property
    def mixed(self) -> bool:
        return self.dayfirst is None

    def evidence(self) -> str:
        def rows(numbers):
            shown = ", ".join(str(n) for n in numbers[:EVIDENCE_SHOWN])
            return shown + (f" and {len(numbers) - EVIDENCE_SHOWN} more" if len(numbers) > EVIDENCE_SHOWN else "")

        parts = []
        if self.day_first_rows:
            parts.append(f"{len(self.day_first_rows)} can only be day-first (row {rows(self.day_first_rows)})")
        if self.month_first_rows:
            parts.append(f"{len(self.month_first_rows)} can only be month-first "
                         f"(row {rows(self.month_first_rows)})")
        return " and ".join(parts) or "none can only be read one way"

    def note(self) -> str | None:
        """The file-level note saying how this column was read, or None for the plain default."""
        if self.forced:
            return None
        if self.mixed:
            why = "mixes day-first and month-first dates" if self.day_first_rows else \
                "has too few dates that show their order"
            return (f"column {self.column} {why}: of its dates, {self.evidence()}; dates such as 05/03/2011 "
                    "that could be either are rejected rather than guessed")
        if self.dayfirst is False:
            return (f"dates in column {self.column} read month-first (MM/DD/YYYY): {self.evidence()}, "
                    "none only day-first")
        return None

    def reason(self, original: str, first: int, second: int) -> str:
        day_first = dt.date(2000, second, 1).strftime("%B")
        month_first = dt.date(2000, first, 1).strftime("%B")
        return (f"date '{quote(original)}' could be {first} {day_first} or {second} {month_first}, and column "
                f"{self.column} does not say which: of its dates, {self.evidence()}; write it as YYYY-MM-DD "
                "(or choose the date order when importing)")


def _order_evidence(value) -> int:
    """+1 when a value can only be day-first, -1 when only month-first, 0 otherwise."""
    match = _NUMERIC.match(str(value).strip().lstrip("'"))
    if not match:
        return 0
    first, second = int(match[1]), int(match[2])
    if first > 12 >= second >= 1:
        return 1
    if second > 12 >= first >= 1:
        return -1
    return 0


def decide_date_order(column: str, rows, forced: bool | None = None) -> DateOrder:
    """Decide how a column's numeric dates are read from ``rows`` of ``(row number, value)``.

    Day-first (the Pakistani convention) unless at least ``MIN_MONTH_FIRST_EVIDENCE`` values
    can only be month-first and none only day-first.  A column with both kinds, or with a
    single month-first-only value, is *mixed*: its ambiguous dates are rejected, not guessed.
    ``forced`` (the user's choice) overrides the evidence.
    """
    if forced is not None:
        return DateOrder(column, forced, forced=True)
    day_first, month_first = [], []
    for number, value in rows:
        evidence = _order_evidence(value)
        if evidence > 0:
            day_first.append(number)
        elif evidence < 0:
            month_first.append(number)
    if not month_first:
        dayfirst = True
    elif not day_first and len(month_first) >= MIN_MONTH_FIRST_EVIDENCE:
        dayfirst = False
    else:
        dayfirst = None
    return DateOrder(column, dayfirst, day_first, month_first)


def parse_column_date(text: str, order: DateOrder | None) -> tuple[dt.date, dt.date]:
    """:func:`parse_date` under a column's :class:`DateOrder`; ambiguous dates of a mixed column raise."""
    if order is None or not order.mixed:
        return parse_date(text, True if order is None else order.dayfirst)
    original = str(text).strip()
    match = _NUMERIC.match(original.lstrip("'").strip())
    if match:
        first, second = int(match[1]), int(match[2])
        if first != second and 1 <= first <= 12 and 1 <= second <= 12:
            raise ValueProblem(order.reason(original, first, second))
        return parse_date(text, first > 12 or first == second)
    return parse_date(text, True)


def check_period(first: dt.date, last: dt.date, original: str, today: dt.date | None = None):
    today = today or dt.date.today()
    if last < first:
        raise ValueProblem(f"period {original}: the end {last} is before the start {first}")
    if (last - first).days > MAX_PERIOD_DAYS:
        raise ValueProblem(f"period {original} is longer than a year; give the date, or a month "
                           "or year it happened in")
    if first > today:
        raise ValueProblem(f"date {original} is in the future")
    if first.year < 1947:
        raise ValueProblem(f"date {original} is before 1947; check the year")


# ---------------------------------------------------------------- persons

def parse_persons(text) -> int:
    original = str(text).strip()
    if original.isascii() and original.isdigit():  # fast path
        number = int(original)
        if 1 <= number <= 100_000:
            return number
    value = original.lstrip("'").strip()
    if not value:
        raise ValueProblem("persons is empty; enter the number of persons intercepted (1 or more)")
    if re.fullmatch(r"\d{1,3}(,\d{3})+", value):
        value = value.replace(",", "")
    value = re.sub(r"[.,]0+$", "", value)
    try:
        number = int(value)  # int() also reads Urdu/Arabic-Indic digits
    except ValueError:
        raise ValueProblem(f"persons '{quote(original)}' is not a whole number") from None
    if number < 1:
        raise ValueProblem(f"persons {number} must be at least 1")
    if number > 100_000:
        raise ValueProblem(f"persons {number} is implausibly large for one intercept; check it")
    return number


# ---------------------------------------------------------------- categories

CASE_TYPE_WORDS = {
    "smuggling": ("smuggling", "smuggled", "smuggle", "migrant smuggling", "smuggling of migrants",
                  "som", "s"),
    "trafficking": ("trafficking", "trafficked", "human trafficking", "trafficking in persons", "tip",
                    "hti", "t"),
    "unknown": ("unknown", "unk", "not known", "n/a", "na", "?", "mixed", "unclear"),
}
MODE_WORDS = {
    "land": ("land", "road", "by road", "overland", "bus", "coach", "car", "truck", "lorry", "vehicle",
             "jeep", "pickup", "foot", "on foot", "walking", "rail", "train", "motorcycle"),
    "sea": ("sea", "by sea", "boat", "ship", "launch", "vessel", "maritime", "dhow", "fishing boat"),
    "air": ("air", "by air", "flight", "airport", "plane", "aircraft", "airline"),
}


_EXACT = {}


def _category(text, words: dict[str, tuple[str, ...]], field: str, allowed: tuple[str, ...]) -> str:
    exact = _EXACT.get(id(words))
    if exact is None:
        exact = _EXACT[id(words)] = {spelling: canonical for canonical, spellings in words.items()
                                     for spelling in spellings}
    fast = exact.get(text) or exact.get(str(text).strip().lower())
    if fast:
        return fast
    original = str(text).strip()
    value = re.sub(r"\s+", " ", original.lstrip("'").strip().lower().replace("_", " "))
    for canonical, spellings in words.items():
        if value in spellings:
            return canonical
    vocabulary = {spelling: canonical for canonical, spellings in words.items()
                  for spelling in spellings if len(spelling) > 2}
    close = difflib.get_close_matches(value, list(vocabulary), n=1, cutoff=0.8)
    hint = f" — did you mean {vocabulary[close[0]]}?" if close else ""
    raise ValueProblem(f"{field} '{quote(original)}' is not one of {', '.join(allowed)}{hint}")


def parse_case_type(text) -> str:
    """smuggling, trafficking or unknown; an empty cell is 'unknown' (the caller notes it)."""
    if not str(text).strip():
        return "unknown"
    return _category(text, CASE_TYPE_WORDS, "case_type", CASE_TYPES)


def parse_mode(text) -> str:
    if not str(text).strip():
        raise ValueProblem(f"mode is empty; enter one of {', '.join(MODES)}")
    return _category(text, MODE_WORDS, "mode", MODES)


def parse_bool(text, field: str) -> bool:
    value = str(text).strip().lower()
    if value in ("", "0", "false", "no", "n", "f"):
        return False
    if value in ("1", "true", "yes", "y", "t"):
        return True
    raise ValueProblem(f"{field} '{quote(text)}' is not yes/no (true/false)")


# ---------------------------------------------------------------- text

def clean_text(value) -> tuple[str, bool]:
    """Trim a text cell; neutralise spreadsheet formulas. Returns ``(text, was_formula)``.

    A cell starting with = + - @ (e.g. ``=cmd|' /C calc'!A0``) is kept as text
    but prefixed with an apostrophe, so no spreadsheet that later opens an
    export will run it.
    """
    text = str(value)
    if "\n" in text or "\r" in text or "\t" in text:
        text = re.sub(r"[\r\n\t]+", " ", text)
    text = text.strip()
    if not text or text[0] not in "=+-@":
        return text, False
    if text.startswith(FORMULA_TRIGGERS[:4]) and not re.fullmatch(r"[-+]?\d+(?:[.,]\d+)?", text):
        return "'" + text, True
    return text, False
