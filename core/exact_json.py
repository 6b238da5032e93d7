"""JSON that gives back exactly what was stored: Decimals as their text, dates and datetimes as
ISO strings, each tagged, so a stored figure reads back equal to the one computed (a float on
the way would not be)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

# One-key objects marking a value JSON has no type for.
DECIMAL, DATE, DATETIME = "$decimal", "$date", "$datetime"


def encode(value: object) -> object:
    """`value` with every Decimal, date and datetime replaced by its tagged text."""
    if isinstance(value, Decimal):
        return {DECIMAL: str(value)}
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {DATETIME: value.isoformat()}
    if isinstance(value, date):
        return {DATE: value.isoformat()}
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def decode(value: object) -> object:
    """The inverse of encode."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, text),) = value.items()
            if tag == DECIMAL:
                return Decimal(text)
            if tag == DATETIME:
                return datetime.fromisoformat(text)
            if tag == DATE:
                return date.fromisoformat(text)
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def dumps(value: object) -> str:
    return json.dumps(encode(value))


def loads(text: str) -> object:
    return decode(json.loads(text))
