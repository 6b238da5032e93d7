"""Classification settings: defaults here, overridden by the [classify] table of
rules/config.toml (or a file given), so a firm tunes thresholds and rules without code."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rules.config import CONFIG_PATH


@dataclass(frozen=True)
class VendorRule:
    vendor: str
    project_id: str
    billable: bool


@dataclass(frozen=True)
class SplitRule:
    match: str
    splits: dict[str, int]  # project_id -> percent
    billable: bool = True


@dataclass(frozen=True)
class ClassifyConfig:
    auto_apply: bool = False
    auto_apply_threshold: float = 0.98
    llm_below: float = 0.90
    llm_model: str = "claude-haiku-4-5"
    llm_max_tokens: int = 400
    llm_concurrency: int = 4
    llm_max_retries: int = 4
    llm_batch_above: int = 1000
    llm_batch_poll_seconds: float = 10.0
    llm_max_entries: int = 5000
    llm_price_input: Decimal = Decimal("1.00")  # USD per million tokens
    llm_price_output: Decimal = Decimal("5.00")
    llm_price_cache_write: Decimal = Decimal("1.25")
    llm_price_cache_read: Decimal = Decimal("0.10")
    rush_pattern: str = r"\b(urgent|rush|asap|escalation|outage|sev ?1|prod down)\b"
    vendor_rules: tuple[VendorRule, ...] = ()
    split_rules: tuple[SplitRule, ...] = ()
    model_cache_dir: str | None = None  # default: next to the warehouse
    local_model: str = "linear"  # linear (conditional logit) or nb (naive Bayes)
    extra: dict = field(default_factory=dict)

    def cost(self, usage: dict[str, int]) -> Decimal:
        """USD for token counts (input, output, cache write, cache read), exact."""
        per = Decimal(1_000_000)
        return (
            usage.get("input_tokens", 0) * self.llm_price_input
            + usage.get("output_tokens", 0) * self.llm_price_output
            + usage.get("cache_creation_input_tokens", 0) * self.llm_price_cache_write
            + usage.get("cache_read_input_tokens", 0) * self.llm_price_cache_read
        ) / per


RULE_KEYS = ("vendor_rules", "split_rules", "extra")
LOCAL_MODELS = ("linear", "nb")


def unknown_projects(config: ClassifyConfig, projects: set[str]) -> list[str]:
    """One line per vendor or split rule that names a project the firm does not have."""
    out = [
        f"vendor rule {r.vendor!r} names project {r.project_id}, which does not exist"
        for r in config.vendor_rules
        if r.project_id not in projects
    ]
    for r in config.split_rules:
        missing = sorted(set(r.splits) - projects)
        if missing:
            out.append(
                f"split rule {r.match!r} names project(s) {', '.join(missing)}, which do not exist"
            )
    return out


def known_rules(config: ClassifyConfig, projects: set[str]) -> ClassifyConfig:
    """The config without the rules that name a project the firm does not have: a rule copied
    from another firm (or the demo) must never suggest a project that is not there."""
    return replace(
        config,
        vendor_rules=tuple(r for r in config.vendor_rules if r.project_id in projects),
        split_rules=tuple(r for r in config.split_rules if set(r.splits) <= projects),
    )


def _typed(path: Path, key: str, value, default):
    bad = ValueError(f"classify config {path}: {key} = {value!r} is not valid")
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad
        return value
    if isinstance(default, Decimal):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise bad from None
        if not number.is_finite() or number < 0:
            raise bad
        return number
    if isinstance(default, float | int):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise bad
        return type(default)(value)
    if not isinstance(value, str):
        raise bad
    return value


def _vendor_rules(path: Path, rows) -> tuple[VendorRule, ...]:
    try:
        return tuple(VendorRule(r["vendor"], r["project_id"], bool(r["billable"])) for r in rows)
    except (KeyError, TypeError):
        raise ValueError(
            f"classify config {path}: a vendor rule needs vendor, project_id, billable"
        ) from None


def _split_rules(path: Path, rows) -> tuple[SplitRule, ...]:
    out = []
    for r in rows:
        splits = r.get("splits") if isinstance(r, dict) else None
        if not isinstance(splits, dict) or not r.get("match"):
            raise ValueError(f"classify config {path}: a split rule needs match and splits")
        if sum(splits.values()) != 100 or any(v <= 0 for v in splits.values()):
            raise ValueError(f"classify config {path}: split {r['match']!r} must add up to 100")
        out.append(SplitRule(r["match"], dict(splits), bool(r.get("billable", True))))
    return tuple(out)


def load_classify_config(path: str | Path | None = None) -> ClassifyConfig:
    """The [classify] table of the rules config (default rules/config.toml). Unknown keys and
    bad values raise ValueError naming the key."""
    path = Path(path) if path is not None else CONFIG_PATH
    if not path.exists():
        if path == CONFIG_PATH:
            return ClassifyConfig()
        raise ValueError(f"classify config {path}: no such file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")).get("classify", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"classify config {path}: {err}") from None
    defaults = ClassifyConfig()
    known = {f.name for f in fields(ClassifyConfig)} - {"extra"}
    if unknown := sorted(set(data) - known):
        raise ValueError(f"classify config {path}: unknown key(s) {unknown}")
    values = {
        key: _typed(path, key, value, getattr(defaults, key))
        for key, value in data.items()
        if key not in RULE_KEYS
    }
    if values.get("local_model", defaults.local_model) not in LOCAL_MODELS:
        raise ValueError(f"classify config {path}: local_model must be one of {LOCAL_MODELS}")
    try:
        re.compile(values.get("rush_pattern", defaults.rush_pattern))
    except re.error as err:
        raise ValueError(f"classify config {path}: rush_pattern: {err}") from None
    return ClassifyConfig(
        **values,
        vendor_rules=_vendor_rules(path, data.get("vendor_rules", [])),
        split_rules=_split_rules(path, data.get("split_rules", [])),
    )
