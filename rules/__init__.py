"""The rules engine: set-based SQL rules that tag leakage, under-reporting, milestone mismatches
and policy breaches as exceptions (source `rules`) in the shared exception queue."""

from rules.engine import RuleException, run_rules

__all__ = ["RuleException", "run_rules"]
