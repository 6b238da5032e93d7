"""The data contract's row rules as one SQL pass: every incoming row gets its typed values and
the reasons (if any) it breaks the contract. Built from etl/contract.py, so a new column or
rule in the contract is checked everywhere at once."""

from __future__ import annotations

from etl.contract import BOOL_FALSE, BOOL_TRUE, MAX_ENTRY_HOURS, Column, Entity
from etl.currencies import ACCEPTED as ISO_4217

# Entities whose `hours` is one person's hours on one day.
DAILY_HOURS_ENTITIES = {"time_entries", "time_off"}

PATTERNS = {
    "date": r"\d{4}-\d{2}-\d{2}",
    "money": r"-?\d+(\.\d{1,4})?",
    "hours": r"-?\d+(\.\d+)?|-?\.\d+",
    "ratio": r"-?\d+(\.\d+)?|-?\.\d+",
    "int": r"-?\d+",
}
DESCRIBE = {
    "date": "a date (YYYY-MM-DD)",
    "money": "a decimal amount with at most 4 places",
    "hours": "decimal hours like 1.25",
    "ratio": "a decimal number",
    "int": "a whole number",
    "timestamp": "an ISO 8601 timestamp",
}

# Pairs that must be in order when both are present.
ORDERED_DATES = {
    "people": ("start_date", "end_date"),
    "projects": ("start_date", "end_date"),
    "rates": ("effective_from", "effective_to"),
    "calendar_events": ("start", "end"),
    "invoices": ("issue_date", "due_date"),
}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in_list(values) -> str:
    return "(" + ", ".join(sql_literal(v) for v in sorted(values)) + ")"


def trimmed(cell: str) -> str:
    """`nullif(trim(cell), '')`, without trim's cost where it has nothing to do. DuckDB's trim
    strips Unicode space separators (category Zs) from both ends, looking up the category of
    every character of the cell: 0.4 s of the import's 8 M cells. A cell that starts with
    printable ASCII other than the space, is all ASCII (as many characters as bytes) and does
    not end with a space has no Zs at either end (the space is the one ASCII Zs): kept as is."""
    return (
        f"CASE WHEN ascii({cell}) BETWEEN 33 AND 126 AND NOT ends_with({cell}, ' ') "
        f"AND length({cell}) = strlen({cell}) THEN {cell} ELSE nullif(trim({cell}), '') END"
    )


def raw_value(col: Column, present: set[str]) -> str:
    """The trimmed cell, NULL when empty or when the file has no such column."""
    if col.name not in present:
        return "CAST(NULL AS VARCHAR)"
    return trimmed(f"src.{quote(col.name)}")


def typed_value(col: Column, v: str) -> str:
    """The cell cast to its staging type; NULL when it does not cast (a reason says why)."""
    if col.default is not None:
        v = f"coalesce({v}, {sql_literal(col.default)})"
    t = col.type
    if t == "date":
        return (
            f"CASE WHEN regexp_full_match({v}, '{PATTERNS['date']}') THEN try_cast({v} AS DATE) END"
        )
    if t in ("money", "hours", "ratio", "int"):
        return f"CASE WHEN regexp_full_match({v}, '{PATTERNS[t]}') THEN try_cast({v} AS {col.sql_type}) END"
    if t == "timestamp":
        return f"try_cast({v} AS TIMESTAMPTZ)"
    if t == "bool":
        return (
            f"CASE WHEN lower({v}) IN {_in_list(BOOL_TRUE)} THEN true "
            f"WHEN lower({v}) IN {_in_list(BOOL_FALSE)} THEN false END"
        )
    if t == "enum":
        return f"CASE WHEN lower({v}) IN {_in_list(col.choices)} THEN lower({v}) END"
    if t == "currency":
        return f"CASE WHEN upper({v}) IN {_in_list(ISO_4217)} THEN upper({v}) END"
    return v


def _fmt(template: str, *args: str) -> str:
    return "format(" + ", ".join([sql_literal(template), *args]) + ")"


def column_reasons(entity: Entity, col: Column, v: str, typed: str) -> list[str]:
    """SQL expressions that are NULL when the cell is fine and a reason when it is not."""
    name = col.name
    out = []
    if col.required:
        out.append(f"CASE WHEN {v} IS NULL THEN {sql_literal(f'{name} is required')} END")
    if col.type in DESCRIBE:
        bad = _fmt(f"{name} '{{}}' is not {DESCRIBE[col.type]}", v)
        if col.type == "hours":
            comma = _fmt(
                f"{name} '{{}}' uses a decimal comma; the contract wants a point (e.g. 1.5)", v
            )
            bad = f"CASE WHEN regexp_full_match({v}, '-?\\d+,\\d+') THEN {comma} ELSE {bad} END"
        out.append(f"CASE WHEN {v} IS NOT NULL AND {typed} IS NULL THEN {bad} END")
    elif col.type in ("bool", "enum", "currency"):
        what = {
            "bool": "true or false",
            "enum": "one of " + ", ".join(col.choices),
            "currency": "an ISO 4217 currency code",
        }[col.type]
        template = name + " '{}' is not " + what
        if col.type == "currency":
            template = "unknown currency '{}' in " + name + " (not an ISO 4217 code)"
        msg = _fmt(template, v)
        out.append(f"CASE WHEN {v} IS NOT NULL AND {typed} IS NULL THEN {msg} END")
    if col.non_negative:
        out.append(f"CASE WHEN {typed} < 0 THEN {_fmt(f'{name} {{}} is negative', v)} END")
    if col.type == "hours" and entity.name in DAILY_HOURS_ENTITIES:
        msg = _fmt(f"{name} {{}} exceed {MAX_ENTRY_HOURS} in one entry", v)
        out.append(f"CASE WHEN {typed} > {MAX_ENTRY_HOURS} THEN {msg} END")
    return out


def fk_alias(col: Column) -> str:
    return "fk_" + col.name


def v_name(col: Column) -> str:
    """The column holding the trimmed incoming cell, kept for messages and quarantine."""
    return quote("_v_" + col.name)


def fk_joins(entity: Entity, present: set[str], batch_table: str) -> list[str]:
    """LEFT JOINs of the trimmed cells (`cells`) to the sets of known keys; a self-reference
    also accepts this batch's keys."""
    joins = []
    for col in entity.columns:
        if not col.ref or col.name not in present:
            continue
        ref_table, ref_col = col.ref.split(".")
        known = f"SELECT {quote(ref_col)} AS k FROM {ref_table}"
        if ref_table == entity.name:
            known += f" UNION SELECT {trimmed(quote(ref_col))} FROM {batch_table}"
        joins.append(
            f"LEFT JOIN (SELECT DISTINCT k FROM ({known})) {fk_alias(col)} "
            f"ON {fk_alias(col)}.k = cells.{v_name(col)}"
        )
    return joins


def fk_reasons(entity: Entity, present: set[str]) -> list[str]:
    out = []
    for col in entity.columns:
        if col.ref and col.name in present:
            v = v_name(col)
            msg = _fmt(f"unknown {col.name} '{{}}'", v)
            out.append(
                f"CASE WHEN {v} IS NOT NULL AND {quote('_fk_' + col.name)} IS NULL THEN {msg} END"
            )
    return out


def order_reasons(entity: Entity) -> list[str]:
    pair = ORDERED_DATES.get(entity.name)
    if not pair:
        return []
    a, b = pair
    msg = sql_literal(f"{b} is before {a}")
    return [f"CASE WHEN {quote(b)} < {quote(a)} THEN {msg} END"]


def key_expression(entity: Entity, prefix: str = "") -> str:
    """The upsert key as one string (composite keys joined with '|')."""
    parts = [f"coalesce(CAST({prefix}{quote(k)} AS VARCHAR), '')" for k in entity.key]
    return parts[0] if len(parts) == 1 else "concat_ws('|', " + ", ".join(parts) + ")"


def row_column(row_id: str) -> str:
    """The column of `_checked` naming its source row: `_line` itself when the source's lines
    identify its rows (a CSV file), else `_row`, a copy of the source's `row_id` (its rowid)."""
    return "_line" if row_id == "_line" else "_row"


def checked_select(
    entity: Entity, present: list[str], src_table: str = "src", row_id: str = "rowid"
) -> str:
    """One pass over the incoming rows. Per row: `_line`; the source row it came from
    (row_column); the typed contract columns; `_reason` ('' when the row is clean);
    `_row_hash`; the upsert `_key`; and `_change` against the staging table (new / updated /
    unchanged). Levels, so each cell is cast once and the reasons read the cast values. The
    cells as they arrived are not copied: the raw layer and the quarantine read them from
    `src_table` by row (etl/staging.py), only for the rows that need them."""
    cols = set(present)
    row = [] if row_column(row_id) == "_line" else [f"src.{row_id} AS _row"]
    # Trimmed cells only for columns the file has; an absent column is a NULL constant.
    cell = {
        c.name: v_name(c) if c.name in cols else "CAST(NULL AS VARCHAR)" for c in entity.columns
    }
    cells = [f"{raw_value(c, cols)} AS {v_name(c)}" for c in entity.columns if c.name in cols]
    fks = [
        f"{fk_alias(c)}.k AS {quote('_fk_' + c.name)}"
        for c in entity.columns
        if c.ref and c.name in cols
    ]
    cells_sql = (
        f"SELECT cells.*{''.join(', ' + f for f in fks)} "
        f"FROM (SELECT src._line, {', '.join(row + cells)} FROM {src_table} src) cells "
        + " ".join(fk_joins(entity, cols, src_table))
    )
    typed_sql = ", ".join(
        f"{typed_value(c, cell[c.name])} AS {quote(c.name)}" for c in entity.columns
    )
    reasons: list[str] = []
    for col in entity.columns:
        reasons += column_reasons(entity, col, cell[col.name], quote(col.name))
    reasons += fk_reasons(entity, cols) + order_reasons(entity)
    reason = "concat_ws('; ', " + ", ".join(reasons) + ")" if reasons else "''"
    checked = (
        f"SELECT *, {reason} AS _reason, {row_hash_expression(entity)} AS _row_hash, "
        f"{key_expression(entity)} AS _key "
        f"FROM (SELECT *, {typed_sql} FROM ({cells_sql}) checked_cells) typed"
    )
    helpers = [v_name(c) for c in entity.columns if c.name in cols]
    helpers += [quote("_fk_" + c.name) for c in entity.columns if c.ref and c.name in cols]
    # The trimmed cells and key lookups only serve the reasons: they are not kept.
    return (
        f"SELECT c.* EXCLUDE ({', '.join(helpers)}), "
        "CASE WHEN s._staged_key IS NULL THEN 'new' "
        "WHEN s._staged_hash <> c._row_hash THEN 'updated' ELSE 'unchanged' END AS _change "
        f"FROM ({checked}) c LEFT JOIN (SELECT {key_expression(entity)} AS _staged_key, "
        f"_row_hash AS _staged_hash FROM {entity.name}) s ON s._staged_key = c._key"
    )


def raw_json(present: list[str], alias: str) -> str:
    """The row as it arrived, as a JSON object, from the source row `alias` (for quarantine)."""
    pairs = [f"{sql_literal(c)}, {alias}.{quote(c)}" for c in present if not c.startswith("_")]
    return "json_object(" + ", ".join(pairs) + ")"


def row_hash_expression(entity: Entity) -> str:
    """A hash of the typed values: equal hashes mean an unchanged row. (DuckDB's hash() is
    fast; if a DuckDB upgrade changed it, the next import would mark rows updated once.)"""
    cols = ", ".join(quote(c.name) for c in entity.columns)
    return f"hash({cols})"
