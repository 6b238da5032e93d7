"""Rules thresholds and severities: defaults here, overridden by rules/config.toml (or a file
given). Every threshold is a SQL named parameter of the rules that use it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

CONFIG_PATH = Path(__file__).with_name("config.toml")

# "above" is strictly above, "below" strictly below, everywhere.
DEFAULT_THRESHOLDS: dict[str, Decimal] = {
    "long_day_hours": Decimal(10),  # long_day: hours by one person on one day
    "expense_receipt_above": Decimal("1000.00"),  # expense_no_receipt: base currency
    "under_reported_ratio": Decimal("0.80"),  # under_reported_week / team: logged ÷ expected
    "chronic_weeks": Decimal(4),  # chronic_under_reporting / team: consecutive low weeks
    "burn_ahead_points": Decimal(10),  # milestone_burn_ahead: burn minus progress, in points
    "budget_alert_1": Decimal(75),  # budget_alert: percent of budget hours or amount
    "budget_alert_2": Decimal(90),
    "budget_alert_3": Decimal(100),
    "approval_overdue_business_days": Decimal(2),  # approval_overdue
    # unbilled_time: a month's work is leakage once this business day of the next month (the
    # firm's billing day) has passed without an invoice
    "billing_business_day": Decimal(5),
}

DEFAULT_SEVERITY: dict[str, str] = {
    "unbilled_time": "high",
    "unapproved_time": "medium",
    "write_down": "medium",
    "over_cap": "high",
    "expired_rollover": "medium",
    "nonbillable_suspect": "low",
    "missed_meeting_time": "medium",
    "under_reported_week": "low",
    "chronic_under_reporting": "high",
    "team_under_reporting": "high",
    "missing_timesheet": "medium",
    "milestone_burn_ahead": "high",
    "milestone_not_invoiced": "high",
    "time_after_end": "medium",
    "time_on_completed_project": "high",
    "long_day": "low",
    "expense_no_receipt": "medium",
    "budget_alert": "medium",
    "po_alert": "medium",
    "po_exceeded": "high",
    "approval_overdue": "medium",
    "missing_project": "medium",
}
SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class RulesConfig:
    thresholds: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    severity: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))

    def __getattr__(self, name: str) -> Decimal:
        try:
            return self.__dict__["thresholds"][name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def with_thresholds(cls, **values) -> RulesConfig:
        return cls(thresholds=DEFAULT_THRESHOLDS | {k: Decimal(str(v)) for k, v in values.items()})

    def params(self) -> dict:
        """The thresholds as SQL named parameters."""
        return dict(self.thresholds)

    def severity_of(self, kind: str) -> str:
        return self.severity.get(kind, "low")


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


def _severities(path: Path, given) -> dict[str, str]:
    if not isinstance(given, dict):
        raise ValueError(f"rules config {path}: [severity] must be a table")  # noqa: TRY004
    severity = dict(DEFAULT_SEVERITY)
    for kind, level in given.items():
        if kind not in DEFAULT_SEVERITY:
            raise ValueError(f"rules config {path}: severity for unknown kind {kind!r}")
        if level not in SEVERITIES:
            raise ValueError(f"rules config {path}: severity {level!r} not one of {SEVERITIES}")
        severity[kind] = level
    return severity


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
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"rules config {path}: {err}") from None
    if unknown := sorted(set(data) - set(DEFAULT_THRESHOLDS) - {"severity", "classify", "review"}):
        raise ValueError(f"rules config {path}: unknown key(s) {unknown}")
    thresholds = dict(DEFAULT_THRESHOLDS)
    for key in DEFAULT_THRESHOLDS:
        if key in data:
            thresholds[key] = _decimal(key, data[key])
    return RulesConfig(thresholds, _severities(path, data.get("severity", {})))
