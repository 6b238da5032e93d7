"""Reading one cell of a vendor export: numbers with any grouping and decimal mark,
durations, booleans, currencies, dates in the file's order, times and tags."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from etl.currencies import ISO_4217
from etl.exports.names import name_key
from etl.exports.table import RowProblem

HOURS_PLACES = Decimal("0.0001")


def _is_currency_edge(ch: str) -> bool:
    return ch.isspace() or ch.isalpha() or unicodedata.category(ch) == "Sc"


def _strip_currency(text: str) -> str:
    """Removes currency symbols/codes and spaces at both ends: '$ 1,250.00', '1.250,00 EUR'."""
    start, end = 0, len(text)
    while start < end and _is_currency_edge(text[start]):
        start += 1
    while end > start and _is_currency_edge(text[end - 1]):
        end -= 1
    return text[start:end]


def _plain_number(text: str, decimal_comma: bool | None, single_is_decimal: bool) -> Decimal:
    """'1,234.5' / '1.234,5' / '1 234,5' -> Decimal. Ambiguous '1,500': see parse_decimal."""
    v = re.sub(r"[\s'’\u00a0\u202f\u2009]", "", text)
    if not re.fullmatch(r"[\d.,]*\d[\d.,]*", v):
        raise ValueError("not a number")
    commas, dots = v.count(","), v.count(".")
    if commas and dots:
        dec = "," if v.rfind(",") > v.rfind(".") else "."
        return _grouped(v, "." if dec == "," else ",", dec)
    sep = "," if commas else "." if dots else ""
    if not sep:
        return Decimal(v)
    if v.count(sep) > 1:
        return _grouped(v, sep, None)
    fraction = v.rsplit(sep, 1)[1]
    thousands = (
        not single_is_decimal
        and len(fraction) == 3
        and (decimal_comma is True if sep == "." else decimal_comma is not True)
    )
    return _grouped(v, sep, None) if thousands else Decimal(v.replace(sep, "."))


def _grouped(v: str, thousands: str, dec: str | None) -> Decimal:
    whole, _, fraction = v.partition(dec) if dec else (v, "", "")
    if dec and dec in fraction:
        raise ValueError("two decimal separators")
    if not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})*", whole):
        raise ValueError("bad digit grouping")
    return Decimal(whole.replace(thousands, "") + ("." + fraction if dec else ""))


def parse_decimal(text: str, decimal_comma: bool | None = None) -> Decimal:
    """Money/number cells: currency symbols, thousands separators, (negatives), trailing minus.

    A single separator followed by exactly three digits is ambiguous ('1,500', '1.500'):
    `decimal_comma=True` reads ',' as decimal and '.' as thousands, False the reverse, None
    (unknown) takes '.' as decimal and ',' as thousands. Use detect_decimal_comma on the column.
    """
    v = text.strip()
    negative = False
    if v.startswith("(") and v.endswith(")"):
        negative, v = True, v[1:-1]
    v = _strip_currency(v)
    if v[:1] in ("-", "−") or v[-1:] in ("-", "−"):
        negative = not negative
        v = _strip_currency(v[1:] if v[:1] in ("-", "−") else v[:-1])
    elif v[:1] == "+":
        v = _strip_currency(v[1:])
    try:
        number = _plain_number(v, decimal_comma, single_is_decimal=False)
    except (ValueError, InvalidOperation):
        raise ValueError(f"cannot parse number {text!r}") from None
    return -number if negative else number


def detect_decimal_comma(values) -> bool | None:
    """True when the column's numbers use a decimal comma, False for a point, None if unknown."""
    for v in values:
        last = max(v.rfind(","), v.rfind("."))
        if last < 0:
            continue
        digits_after = len(re.match(r"\d*", v[last + 1 :]).group())
        if ("," in v and "." in v) or digits_after in (1, 2):
            return v[last] == ","
    return None


_HMS = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}(?:[.,]\d+)?))?$")


_NUM = r"(\d+(?:[.,]\d+)?)"


_ISO_DURATION = re.compile(
    rf"^P(?:{_NUM}D)?(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?$", re.IGNORECASE
)


_UNIT_DURATION = re.compile(
    rf"^(?:{_NUM}\s*h(?:ours?|rs?)?)?\s*(?:{_NUM}\s*m(?:in(?:utes?|s)?)?)?"
    rf"\s*(?:{_NUM}\s*s(?:ec(?:onds?|s)?)?)?$",
    re.IGNORECASE,
)


def _dec(part: str | None) -> Decimal:
    return Decimal(part.replace(",", ".")) if part else Decimal(0)


def _seconds(text: str) -> Decimal | None:
    """Seconds of '1:30:00', '1:30' (h:mm), 'PT1H30M', '1h 30m'; None if no such form."""
    m = _HMS.match(text)
    if m:
        minutes, seconds = int(m.group(2)), _dec(m.group(3))
        if minutes >= 60 or seconds >= 60:
            raise ValueError("minutes or seconds above 59")
        return int(m.group(1)) * 3600 + minutes * 60 + seconds
    for pattern, scale in ((_ISO_DURATION, (86400, 3600, 60, 1)), (_UNIT_DURATION, (3600, 60, 1))):
        m = pattern.match(text)
        if m and any(m.groups()) and not text.upper().endswith("T"):
            return sum((_dec(g) * s for g, s in zip(m.groups(), scale)), Decimal(0))
    return None


@lru_cache(maxsize=8192)
def parse_duration(text: str) -> Decimal:
    """Hours (4 places, half-up) of '1:30:00', '1:30', '1.5', '1,5', 'PT1H30M', '1h 30m'.

    Decimal hours take a lone ',' or '.' as the decimal separator (hours are never in thousands).
    """
    v = text.strip()
    negative = v[:1] in ("-", "−")
    v = v[1:].strip() if negative or v[:1] == "+" else v
    if not v:
        raise ValueError("empty")
    try:
        seconds = _seconds(v)
        hours = seconds / 3600 if seconds is not None else _plain_number(v, True, True)
    except (ValueError, InvalidOperation, ArithmeticError):
        raise ValueError(f"cannot parse duration {text!r}") from None
    hours = hours.quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)
    return -hours if negative else hours


def format_hours(hours: Decimal) -> str:
    """'1.5', '0.3333', '8'."""
    text = format(hours.quantize(HOURS_PLACES, rounding=ROUND_HALF_UP).normalize(), "f")
    return "0" if text in ("-0", "0") else text


@lru_cache(maxsize=8192)
def _hours_text(value: str) -> str:
    return format_hours(parse_duration(value))


def hours_cell(value: str, label: str) -> str:
    """A duration cell as canonical hours, or RowProblem naming the column and the value."""
    if not value:
        raise RowProblem(f"{label}: empty duration")
    try:
        return _hours_text(value)
    except ValueError:
        raise RowProblem(f"{label}: cannot parse duration {value!r}") from None


_BOOLS = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
}


def parse_bool(text: str) -> bool | None:
    """Yes/No (and true/false, 1/0); None when empty or anything else."""
    return _BOOLS.get(text.strip().lower())


def bool_text(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}


def currency_code(text: str) -> str | None:
    """'USD', 'Euro - EUR', 'US Dollar (USD)', '€' -> ISO code; None when none is recognisable."""
    v = text.strip()
    if v.upper() in ISO_4217:
        return v.upper()
    codes = [c for c in re.findall(r"\b[A-Z]{3}\b", v) if c in ISO_4217]
    return codes[-1] if codes else _CURRENCY_SYMBOLS.get(v)


_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


_MONTHS = (
    {n[:3]: i for i, n in enumerate(_MONTH_NAMES, 1)}
    | {n: i for i, n in enumerate(_MONTH_NAMES, 1)}
    | {"sept": 9}
)


_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$")


_NUMERIC_DATE = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})$")


_DAY_MONTH_DATE = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4}|\d{2})$")


_MONTH_DAY_DATE = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")


ORDER_LABELS = {"DMY": "DD/MM/YYYY", "MDY": "MM/DD/YYYY"}


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _make_date(year: int, month: int | None, day: int) -> date | None:
    try:
        return date(year, month, day) if month else None
    except ValueError:
        return None


def parse_date(text: str, order: str = "MDY") -> date | None:
    """YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or MM/DD/YYYY (per `order`), '15 Jul 2026', 'Jul 15, 2026'."""
    v = text.strip()
    if m := _ISO_DATE.match(v):
        return _make_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _NUMERIC_DATE.match(v):
        first, second = int(m[1]), int(m[3])
        if m[2] == "." or order == "DMY":
            return _make_date(_year(m[4]), second, first)
        return _make_date(_year(m[4]), first, second)
    if m := _DAY_MONTH_DATE.match(v):
        return _make_date(_year(m[3]), _MONTHS.get(m[2].lower()), int(m[1]))
    if m := _MONTH_DAY_DATE.match(v):
        return _make_date(int(m[3]), _MONTHS.get(m[1].lower()), int(m[2]))
    return None


def detect_date_order(values, default: str = "MDY") -> tuple[str, str | None]:
    """DMY or MDY for a column of dd/mm or mm/dd dates, judged on all its values at once.

    A value above 12 in the first place means DMY, in the second place MDY; the order that reads
    more values wins. When every date reads both ways, the order that puts fewer dates on a
    weekend wins (timesheets are weekday work), else `default`; both guesses come with a warning.
    """
    readings: dict[str, list[date]] = {"DMY": [], "MDY": []}
    ambiguous = False
    for v in values:
        m = _NUMERIC_DATE.match(v.strip())
        if not m or m[2] == ".":
            continue
        first, second, year = int(m[1]), int(m[3]), _year(m[4])
        for order, d in (
            ("DMY", _make_date(year, second, first)),
            ("MDY", _make_date(year, first, second)),
        ):
            if d:
                readings[order].append(d)
        ambiguous |= first != second
    dmy, mdy = len(readings["DMY"]), len(readings["MDY"])
    if dmy != mdy:
        return ("DMY" if dmy > mdy else "MDY"), None
    if not dmy or not ambiguous:
        return default, None
    weekdays = {o: sum(d.weekday() < 5 for d in ds) for o, ds in readings.items()}
    note = "day and month are ambiguous in every date; read as"
    if weekdays["DMY"] != weekdays["MDY"]:
        order = max(weekdays, key=weekdays.get)
        return order, f"{note} {ORDER_LABELS[order]}, which puts fewer dates on weekends"
    return default, f"{note} {ORDER_LABELS[default]} (the default)"


class DateColumn:
    """Parses one export's dates in the format detected from the whole column."""

    def __init__(self, values, default_order: str = "MDY"):
        self.order, self.warning = detect_date_order(values, default_order)
        self._cache: dict[str, str] = {}

    def iso(self, value: str, label: str) -> str:
        hit = self._cache.get(value)
        if hit is None:
            parsed = parse_date(value, self.order)
            hit = self._cache[value] = parsed.isoformat() if parsed else ""
        if not hit:
            raise RowProblem(
                f"{label}: cannot parse date {value!r}" if value else f"{label}: empty"
            )
        return hit


_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*(?:([AaPp])\.?\s*[Mm]\.?)?$")


@lru_cache(maxsize=8192)
def normalize_time(text: str) -> str:
    """'09:00 AM', '9:00', '21:00:00' -> 'HH:MM:SS' (24 h); anything else as a name key."""
    m = _TIME.match(text.strip())
    if not m:
        return name_key(text)
    hour = int(m[1]) % 12 + (12 if m[4] in ("P", "p") else 0) if m[4] else int(m[1])
    return f"{hour:02d}:{int(m[2]):02d}:{int(m[3] or 0):02d}"


def has_tag(tags: str, word: str) -> bool:
    """Whether a comma-separated tags cell holds `word` as a word of some tag ('Rush job')."""
    if word not in tags.casefold():
        return False
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    return any(pattern.search(t) for t in tags.split(","))
