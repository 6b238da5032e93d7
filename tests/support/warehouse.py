"""A small hand-filled warehouse whose numbers the data-health tests work out by hand.

Three loads: two good canonical imports and a harvest-csv file that was rejected whole.
- staging: 2 clients, 1 person, 4 time entries, 1 contract workstream (8 rows, 4 entities)
- quarantine: one resolved row (load 1), two open rows (load 2: TE-12, load 3: the whole file)
- validation: clients checked in load 1 (passed); time entries in loads 1 and 2, of which the
  latest (load 2) has one failed expectation, 1 of 4 rows unexpected
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.db import connect, transaction

OPEN_REASON = "person_id: P-404 not found in people"
FILE_REASON = "missing required column: Hours"
RESOLVED_REASON = "hours: -2 is negative"

_LOADS = """
insert into load_log values
    (1, 'canonical', '/imports/2025-01', '2025-01-05 09:00:00+00', '2025-01-05 09:01:00+00',
        'ok', null),
    (2, 'canonical', '/imports/2025-02', '2025-02-03 09:00:00+00', '2025-02-03 09:02:00+00',
        'ok', null),
    (3, 'harvest-csv', '/exports/harvest.csv', '2025-02-04 10:00:00+00',
        '2025-02-04 10:00:05+00', 'failed', 'harvest.csv: missing required column Hours')
"""

_STATS = """
insert into load_entity_stats values
    (1, 'clients', 'clients.csv', 2, 0, 0, 0),
    (1, 'people', 'people.csv', 1, 0, 0, 0),
    (1, 'time_entries', 'time_entries.csv', 3, 0, 0, 1),
    (2, 'clients', 'clients.csv', 0, 0, 2, 0),
    (2, 'time_entries', 'time_entries.csv', 1, 1, 2, 1)
"""

_STAGING = [
    """insert into clients (client_id, name, currency, _row_hash, _load_id, _source, _updated_at)
       values ('C-1', 'Acme', 'USD', 1, 1, 'canonical', '2025-01-05 09:01:00+00'),
              ('C-2', 'Globex', 'EUR', 2, 1, 'canonical', '2025-01-05 09:01:00+00')""",
    """insert into people (person_id, name, role, _row_hash, _load_id, _source, _updated_at)
       values ('P-1', 'Ada', 'consultant', 3, 1, 'canonical', '2025-01-05 09:01:00+00')""",
    """insert into time_entries
           (entry_id, person_id, date, hours, _row_hash, _load_id, _source, _updated_at)
       values ('TE-1', 'P-1', '2025-01-02', 8, 4, 1, 'canonical', '2025-01-05 09:01:00+00'),
              ('TE-2', 'P-1', '2025-01-03', 6, 5, 2, 'canonical', '2025-02-03 09:02:00+00'),
              ('TE-3', 'P-1', '2025-01-04', 7, 6, 1, 'canonical', '2025-01-05 09:01:00+00'),
              ('TE-11', 'P-1', '2025-02-01', 5, 7, 2, 'canonical', '2025-02-03 09:02:00+00')""",
    """insert into contract_workstreams (contract_id, position, project_id, billing)
       values ('K-1', 1, 'PR-1', 'time_and_materials')""",
]

_QUARANTINE = """
insert into quarantine (load_id, source, file, line, entity, record_key, reason, raw,
                        quarantined_at, resolved_at)
values
    (1, 'canonical', 'time_entries.csv', 7, 'time_entries', 'TE-9', ?,
        '{"entry_id": "TE-9", "hours": "-2"}', '2025-01-05 09:01:00+00', '2025-02-01 12:00:00+00'),
    (2, 'canonical', 'time_entries.csv', 4, 'time_entries', 'TE-12', ?,
        '{"entry_id": "TE-12", "person_id": "P-404"}', '2025-02-03 09:02:00+00', null),
    (3, 'harvest-csv', 'harvest.csv', 1, 'time_entries', null, ?,
        null, '2025-02-04 10:00:05+00', null)
"""

_VALIDATION = """
insert into validation_results values
    (1, 'clients', 'expect_column_values_to_be_unique', 'client_id', true, 2, 0, null,
        '2025-01-05 09:01:00+00'),
    (1, 'time_entries', 'expect_column_values_to_not_be_null', 'entry_id', true, 3, 0, null,
        '2025-01-05 09:01:00+00'),
    (2, 'time_entries', 'expect_column_values_to_not_be_null', 'entry_id', true, 4, 0, null,
        '2025-02-03 09:02:00+00'),
    (2, 'time_entries', 'expect_column_values_to_be_between', 'hours', false, 4, 1,
        '{"partial_unexpected_list": [-2]}', '2025-02-03 09:02:00+00')
"""


def fill_small_warehouse(path: Path) -> Path:
    """Creates the warehouse at `path` with the rows described above; returns the path."""
    con = connect(path)
    try:
        with transaction(con):
            con.execute(_LOADS)
            con.execute(_STATS)
            for statement in _STAGING:
                con.execute(statement)
            con.execute(_QUARANTINE, [RESOLVED_REASON, OPEN_REASON, FILE_REASON])
            con.execute(_VALIDATION)
    finally:
        con.close()
    return path


_HOLD_WRITE_LOCK = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
"""


@contextmanager
def held_by_writer(path: Path) -> Iterator[None]:
    """Another process holds the warehouse open for writing, as a running import does."""
    writer = subprocess.Popen(
        [sys.executable, "-c", _HOLD_WRITE_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
        yield
    finally:
        writer.stdin.close()
        writer.wait(timeout=10)
