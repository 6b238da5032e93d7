"""The great-expectations suite run on every load.

One suite per canonical entity, derived from the entity spec in `etl.contract` (never written by
hand per entity):

* `expect_column_values_to_not_be_null`  required columns, and a single-column key;
* `expect_column_values_to_be_unique`     a single-column key;
* `expect_column_values_to_be_in_set`     enum columns (their `choices`) and currency columns
                                          (`etl.currencies.ISO_4217`);
* `expect_column_values_to_be_between`    `non_negative` columns (min 0), and the hours of a time
                                          entry (0 to `MAX_ENTRY_HOURS`);
* `expect_column_values_to_be_in_type_list`  date columns hold datetimes.

The parts of a composite key that the contract makes optional (the scope columns of a rate-card
row, the `kind` of a time-off row, which defaults to `pto`) may be null, so a composite key only
contributes its required columns to the not-null checks. Nulls never count against the set,
range and type checks (a null is the not-null check's business).

    validate_entity(entity, df) -> list[ExpectationResult]

takes the typed batch of one load (a pandas frame: dates as datetime64 or `datetime.date`
objects, numbers as floats, ints or `Decimal` objects) and returns one result per expectation,
in suite order. The great-expectations context, data source, asset, batch definition and the
suites are built once per process; calls are serialised by a lock because the pandas execution
engine keeps one active batch per asset.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import logging
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from etl.contract import MAX_ENTRY_HOURS, Entity
from etl.currencies import ACCEPTED as ISO_4217

if TYPE_CHECKING:  # pragma: no cover
    import great_expectations as gx

__all__ = [
    "DATETIME_TYPES",
    "MAX_VALUES",
    "PARTIAL_UNEXPECTED",
    "ExpectationResult",
    "expectation_specs",
    "suite_for",
    "validate_entity",
    "warm_up",
]

# Upper bounds beyond `non_negative`, by (entity, column).
MAX_VALUES: dict[tuple[str, str], float] = {("time_entries", "hours"): MAX_ENTRY_HOURS}

# A typed date column: numpy datetime64 in any unit pandas/DuckDB hand out (GX compares dtypes
# exactly), or, in an object column, Timestamp values.
DATETIME_TYPES: tuple[str, ...] = (
    "datetime64[s]",
    "datetime64[ms]",
    "datetime64[us]",
    "datetime64[ns]",
    "Timestamp",
)

# How many unexpected values (and their row labels) a result carries in `details`.
PARTIAL_UNEXPECTED = 5

_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": PARTIAL_UNEXPECTED}

# Kinds of expectation, in the order they are listed for one column.
NOT_NULL = "expect_column_values_to_not_be_null"
UNIQUE = "expect_column_values_to_be_unique"
IN_SET = "expect_column_values_to_be_in_set"
BETWEEN = "expect_column_values_to_be_between"
IN_TYPE_LIST = "expect_column_values_to_be_in_type_list"


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation's outcome on one batch.

    `element_count` is the number of rows; `unexpected_count` the rows that break the
    expectation (nulls only count for the not-null check). `details` is JSON-serialisable:
    `kwargs` (the expectation's parameters), and when something failed `unexpected_values` and
    `unexpected_rows` (up to PARTIAL_UNEXPECTED of each; rows are 0-based positions in the
    batch), `observed_value` for the type check, or `error` when GX could not evaluate the
    expectation at all (e.g. text in a numeric column) -- then every non-null value counts as
    unexpected.
    """

    expectation: str  # e.g. "expect_column_values_to_be_between"
    column: str | None
    success: bool
    element_count: int
    unexpected_count: int
    details: dict  # kwargs and a few unexpected values, JSON-serialisable


# --------------------------------------------------------------------------------------------
# The suite as data: (expectation type, column, kwargs), built from the entity spec.


def expectation_specs(entity: Entity) -> list[tuple[str, str, dict[str, Any]]]:
    """The expectations of `entity`'s suite, in order: one row per check."""
    single_key = entity.key[0] if len(entity.key) == 1 else None
    specs: list[tuple[str, str, dict[str, Any]]] = []
    for col in entity.columns:
        name = col.name
        if col.required or name == single_key:
            specs.append((NOT_NULL, name, {}))
        if name == single_key:
            specs.append((UNIQUE, name, {}))
        if col.type == "enum" and col.choices:
            specs.append((IN_SET, name, {"value_set": list(col.choices)}))
        if col.type == "currency":
            specs.append((IN_SET, name, {"value_set": sorted(ISO_4217)}))
        max_value = MAX_VALUES.get((entity.name, name))
        if col.non_negative or max_value is not None:
            kwargs: dict[str, Any] = {"min_value": 0}
            if max_value is not None:
                kwargs["max_value"] = max_value
            specs.append((BETWEEN, name, kwargs))
        if col.type == "date":
            specs.append((IN_TYPE_LIST, name, {"type_list": list(DATETIME_TYPES)}))
    return specs


# --------------------------------------------------------------------------------------------
# great-expectations objects, built once per process.


class _GX:
    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _quiet_gx()
        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        # No "Calculating Metrics" tqdm bars on stderr.
        self.context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        source = self.context.data_sources.add_pandas("etl_load")
        self.asset = source.add_dataframe_asset("batch")
        self.batch_definition = self.asset.add_batch_definition_whole_dataframe("whole")
        self.suites: dict[Entity, gx.ExpectationSuite] = {}
        self.lock = threading.RLock()

    def suite(self, entity: Entity) -> gx.ExpectationSuite:
        suite = self.suites.get(entity)
        if suite is None:
            import great_expectations.expectations as gxe

            # Not registered with the context: `Batch.validate` does not need it, and a
            # registered suite writes every `add_expectation` through to the (in-memory) store.
            suite = self.gx.ExpectationSuite(name=entity.name)
            for kind, column, kwargs in expectation_specs(entity):
                cls = getattr(gxe, _class_name(kind))
                suite.add_expectation(cls(column=column, **kwargs))
            self.suites[entity] = suite
        return suite


_STATE: _GX | None = None
_STATE_LOCK = threading.Lock()


def _gx() -> _GX:
    global _STATE
    if _STATE is None:
        with _STATE_LOCK:
            if _STATE is None:
                _STATE = _GX()
    return _STATE


def warm_up() -> None:
    """Imports great-expectations and builds its context now (about 2 s, once per process), so a
    caller can pay for it in a thread while other work runs."""
    _gx()


def suite_for(entity: Entity) -> gx.ExpectationSuite:
    """The (cached) great-expectations suite of `entity`."""
    state = _gx()
    with state.lock:
        return state.suite(entity)


def _class_name(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_"))


def _quiet_gx() -> None:
    # Whatever GX would log (deprecations, metric errors) would reach stderr through logging's
    # last-resort handler; the load reports through ExpectationResult instead.
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    # The pandas engine fingerprints every batch by hashing the whole frame (MD5 over
    # `hash_pandas_object`) for the batch markers, and `Batch.validate` builds the batch twice:
    # ~0.3 s per million rows spent on metadata nobody reads here. Frames above
    # HASH_THRESHOLD bytes are never hashed by GX itself; a threshold of 0 extends that to all.
    try:
        from great_expectations.execution_engine import pandas_execution_engine

        if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
            pandas_execution_engine.HASH_THRESHOLD = 0
    except ImportError:  # pragma: no cover - layout of a future GX release
        pass


# --------------------------------------------------------------------------------------------
# Preparing the batch: only the columns that have an expectation, in dtypes GX handles fast.


def _prepare(df: pd.DataFrame, specs) -> pd.DataFrame:
    """The frame GX sees: one column per checked column, positional (Range) index, so the row
    numbers in `details["unexpected_rows"]` are 0-based positions in the batch whatever index
    the caller's frame had."""
    kinds_by_column: dict[str, set[str]] = {}
    for kind, column, _ in specs:
        kinds_by_column.setdefault(column, set()).add(kind)
    data: dict[str, Any] = {}
    n = len(df)
    for column, kinds in kinds_by_column.items():
        if column in df.columns:
            s = df[column].reset_index(drop=True)  # no copy (copy-on-write)
        else:
            # DATA_CONTRACT: a missing optional column means "all null".
            s = pd.Series([None] * n, dtype=object)
        if BETWEEN in kinds:
            s = _as_float(s)
        elif IN_TYPE_LIST in kinds:
            s = _as_datetime(s)
        data[column] = s
    return pd.DataFrame(data, index=pd.RangeIndex(n), copy=False)


_NUMERIC_OBJECTS = ("decimal", "integer", "floating", "mixed-integer-float", "empty")


def _as_float(s: pd.Series) -> pd.Series:
    """Numbers (Decimal objects, ints of any width, nullable dtypes) as float64: GX takes its
    vectorised range check only for int64/float64 and compares element by element in Python
    otherwise. Exact enough for the check: the bounds are 0 and 24 and money/hours carry at most
    4 decimal places, so no value crosses a bound by rounding. Strings or mixed objects are left
    alone (GX then reports the comparison error instead of a number parsed from text)."""
    if s.dtype == np.float64 or s.dtype == np.int64:
        return s
    try:
        if s.dtype == object:
            if pd.api.types.infer_dtype(s, skipna=True) not in _NUMERIC_OBJECTS:
                return s
            raw = s.to_numpy()
            null = pd.isna(raw)
            values = np.full(len(raw), np.nan)
            values[~null] = raw[~null].astype(np.float64)
        elif pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            values = s.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            return s
    except (TypeError, ValueError, ArithmeticError):
        return s
    return pd.Series(values, index=s.index, name=s.name)


def _as_datetime(s: pd.Series) -> pd.Series:
    """Dates in any typed shape as numpy datetime64: `datetime.date`/`datetime` objects (DuckDB's
    `date_as_object`), Arrow date32/timestamp, tz-aware timestamps (made naive). Strings,
    numbers and other objects are left alone for the type check to flag."""
    dtype = s.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return s
    if isinstance(dtype, pd.DatetimeTZDtype):
        return s.dt.tz_localize(None)
    kind = pd.api.types.infer_dtype(s, skipna=True)
    try:
        if kind in ("date", "datetime", "datetime64"):
            out = pd.to_datetime(s)
            return out.dt.tz_localize(None) if isinstance(out.dtype, pd.DatetimeTZDtype) else out
        if dtype == object and kind.startswith("mixed"):  # noqa: E721 (a numpy dtype)
            # Some real dates among other values: make the dates Timestamps so that only the
            # other values count as unexpected.
            return s.map(lambda v: pd.Timestamp(v) if isinstance(v, _dt.date) else v)
    except (TypeError, ValueError, OverflowError):
        pass
    return s


# --------------------------------------------------------------------------------------------
# Validation.


def validate_entity(entity: Entity, df: pd.DataFrame) -> list[ExpectationResult]:
    """Run `entity`'s suite on one typed batch; one result per expectation, in suite order."""
    specs = expectation_specs(entity)
    if not specs:
        return []
    state = _gx()
    lean = _prepare(df, specs)
    with state.lock:
        suite = state.suite(entity)
        batch = state.batch_definition.get_batch(batch_parameters={"dataframe": lean})
        try:
            validation = batch.validate(suite, result_format=_RESULT_FORMAT)
        finally:
            # The engine caches the last batch's data; do not keep a load's frame alive.
            engine = batch.data.execution_engine
            engine.batch_manager.batch_data_cache.pop(batch.id, None)
    # GX regroups a suite by column and moves errored expectations first: pair results with
    # the suite by (type, column), which is unique within a suite, never by position.
    by_key = {
        (r.expectation_config.type, r.expectation_config.kwargs.get("column")): r
        for r in validation.results
    }
    return [
        _to_result(kind, column, kwargs, by_key[(kind, column)], lean)
        for kind, column, kwargs in specs
    ]


def _to_result(kind: str, column: str, kwargs: dict, r, lean: pd.DataFrame) -> ExpectationResult:
    result = dict(r.result or {})
    details: dict[str, Any] = {"kwargs": _describe_kwargs(kwargs)}
    n = len(lean)
    if not r.success and not result:
        # The metric never evaluated (e.g. values that cannot be compared): not a data finding
        # GX could count, so every non-null value is reported as unexpected.
        messages = [
            str(info.get("exception_message"))
            for info in (r.exception_info or {}).values()
            if isinstance(info, dict) and info.get("exception_message")
        ]
        if not messages and isinstance(r.exception_info, dict):
            msg = r.exception_info.get("exception_message")
            if msg:
                messages.append(str(msg))
        details["error"] = "; ".join(messages)[:500] or "expectation could not be evaluated"
        return ExpectationResult(kind, column, False, n, int(lean[column].notna().sum()), details)
    if "element_count" in result:
        element_count = int(result["element_count"])
        unexpected_count = int(result.get("unexpected_count") or 0)
    else:
        # Column-level type check (a typed column): all of it passes or none of it does.
        element_count = n
        unexpected_count = 0 if r.success else int(lean[column].notna().sum())
        if unexpected_count:
            sample = lean[column].dropna().head(PARTIAL_UNEXPECTED)
            result["partial_unexpected_list"] = sample.tolist()
            result["partial_unexpected_index_list"] = sample.index.tolist()
    if "observed_value" in result:
        details["observed_value"] = _jsonable(result["observed_value"])
    if unexpected_count:
        details["unexpected_values"] = [
            _jsonable(v) for v in (result.get("partial_unexpected_list") or [])
        ][:PARTIAL_UNEXPECTED]
        rows = result.get("partial_unexpected_index_list")
        if rows:
            details["unexpected_rows"] = [_jsonable(v) for v in rows][:PARTIAL_UNEXPECTED]
    return ExpectationResult(
        kind, column, bool(r.success), element_count, unexpected_count, details
    )


def _describe_kwargs(kwargs: dict) -> dict:
    out = dict(kwargs)
    if out.get("value_set") is not None and frozenset(out["value_set"]) == ISO_4217:
        out["value_set"] = "etl.currencies.ISO_4217"  # not 175 codes in every report
    return out


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, decimal.Decimal):
        return str(v)
    if v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, (_dt.date, _dt.time)):  # datetime and pd.Timestamp included
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else pd.Timestamp(v).isoformat()
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [_jsonable(x) for x in v]
    return str(v)
