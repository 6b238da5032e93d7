"""Review pass settings: defaults here, overridden by the [review] table of rules/config.toml
(or the file given), like [classify]."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rules.classify.llm import price_of
from rules.config import CONFIG_PATH


@dataclass(frozen=True)
class ReviewConfig:
    days: int = 31  # the window: entries and calendar days up to --as-of
    history_days: int = 365  # the local review learns from the client notes of these days
    gap_hours: Decimal = Decimal("1.0")  # under-reporting: calendar or stated minus logged
    min_confidence: float = 0.5  # findings below are not queued
    model: str = "claude-haiku-4-5"
    max_tokens: int = 2048
    chunk_entries: int = 40  # entries (or calendar days) per request
    concurrency: int = 4
    max_retries: int = 4  # the SDK's retries of 429, 529 and 5xx (exponential backoff)


def load_review_config(path: str | Path | None = None) -> ReviewConfig:
    """The [review] table; unknown keys and bad values raise ValueError naming the key."""
    path = Path(path) if path is not None else CONFIG_PATH
    if not path.exists():
        if path == CONFIG_PATH:
            return ReviewConfig()
        raise ValueError(f"review config {path}: no such file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")).get("review", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"review config {path}: {err}") from None
    defaults = ReviewConfig()
    known = {f.name for f in fields(ReviewConfig)}
    if unknown := sorted(set(data) - known):
        raise ValueError(f"review config {path}: unknown key(s) {unknown}")
    values = {}
    for key, value in data.items():
        default = getattr(defaults, key)
        bad = ValueError(f"review config {path}: {key} = {value!r} is not valid")
        if isinstance(default, str):
            if not isinstance(value, str) or not value.strip():
                raise bad
            values[key] = value.strip()
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise bad
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise bad from None
        whole = number == number.to_integral_value()
        if (
            not number.is_finite()
            or number < 0
            or (isinstance(default, int) and (number < 1 or not whole))
        ):
            raise bad
        values[key] = type(default)(number) if not isinstance(default, Decimal) else number
    config = ReviewConfig(**values)
    try:
        price_of(config.model)
    except ValueError as err:
        raise ValueError(f"review config {path}: model: {err}") from None
    return config
