"""Rules thresholds: defaults here, overridden by rules/config.toml (or a file given)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

CONFIG_PATH = Path(__file__).with_name("config.toml")

DEFAULT_SEVERITY = {
    "long_day": "low",
    "missing_project": "medium",
    "time_after_end": "medium",
    "time_on_completed_project": "high",
    "expense_no_receipt": "medium",
}
SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class RulesConfig:
    long_day_hours: Decimal = Decimal(10)
    expense_receipt_above: Decimal = Decimal("1000.00")
    severity: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))

    def params(self) -> dict:
        """The thresholds as SQL named parameters."""
        return {"long_day_hours": self.long_day_hours,
                "expense_receipt_above": self.expense_receipt_above}  # fmt: skip


def _decimal(key: str, value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"rules config: {key} must be a number, got {value!r}")  # noqa: TRY004
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"rules config: {key} must be a number, got {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"rules config: {key} must be a non-negative number, got {value!r}")
    return number


def load_config(path: str | Path | None = None) -> RulesConfig:
    """Reads the TOML file (default rules/config.toml; a missing default file means all
    defaults). Unknown keys, kinds or severities raise ValueError."""
    path = Path(path) if path is not None else CONFIG_PATH
    if not path.exists():
        if path == CONFIG_PATH:
            return RulesConfig()
        raise ValueError(f"rules config {path}: no such file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"rules config {path}: {err}") from None
    known = {"long_day_hours", "expense_receipt_above", "severity"}
    if unknown := sorted(set(data) - known):
        raise ValueError(f"rules config {path}: unknown key(s) {unknown}")
    severity = dict(DEFAULT_SEVERITY)
    given = data.get("severity", {})
    if not isinstance(given, dict):
        raise ValueError(f"rules config {path}: [severity] must be a table")  # noqa: TRY004
    for kind, level in given.items():
        if kind not in DEFAULT_SEVERITY:
            raise ValueError(f"rules config {path}: severity for unknown kind {kind!r}")
        if level not in SEVERITIES:
            raise ValueError(f"rules config {path}: severity {level!r} not one of {SEVERITIES}")
        severity[kind] = level
    defaults = RulesConfig()
    return RulesConfig(
        long_day_hours=_decimal(
            "long_day_hours", data.get("long_day_hours", defaults.long_day_hours)
        ),
        expense_receipt_above=_decimal(
            "expense_receipt_above",
            data.get("expense_receipt_above", defaults.expense_receipt_above),
        ),
        severity=severity,
    )
