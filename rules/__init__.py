"""The rules engine: set-based SQL rules that tag leakage, under-reporting, milestone mismatches
and policy breaches as exceptions (source `rules`) in the shared exception queue."""

from rules.engine import run_rules
from rules.finding import RuleException

__all__ = ["RuleException", "run_rules"]
