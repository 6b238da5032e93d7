"""Bad input: each broken row is quarantined with file, line and reason; the rest loads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from etl.loader import import_canonical
from tests.conftest import write_folder
from tests.etl.canonical_fixtures import BASE_FILES

HEADER = "entry_id,person_id,date,hours,project_id,notes,billable\n"
GOOD = "T-10,P-1,2026-03-04,3,PR-1,QA regression,true\n"


def load_with_entries(con, tmp_path, body: str):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    (folder / "time_entries.csv").write_text(HEADER + body, encoding="utf-8")
    return import_canonical(con, folder)


def quarantined(con, entity="time_entries"):
    return con.execute(
        "SELECT file, line, record_key, reason FROM quarantine WHERE entity = ? ORDER BY line",
        [entity],
    ).fetchall()


def loaded_ids(con, table="time_entries", key="entry_id"):
    return sorted(r[0] for r in con.execute(f"SELECT {key} FROM {table}").fetchall())


@pytest.mark.parametrize(
    ("bad_row", "reason_part"),
    [
        ("T-11,P-1,04/03/2026,3,PR-1,x,true", "date '04/03/2026' is not a date (YYYY-MM-DD)"),
        ("T-11,P-1,2026-02-30,3,PR-1,x,true", "date '2026-02-30' is not a date"),
        ("T-11,P-1,2026-03-04,-2,PR-1,x,true", "hours -2 is negative"),
        ("T-11,P-1,2026-03-04,30,PR-1,x,true", "hours 30 exceed 24 in one entry"),
        ("T-11,P-99,2026-03-04,3,PR-1,x,true", "unknown person_id 'P-99'"),
        ("T-11,P-1,2026-03-04,3,PR-404,x,true", "unknown project_id 'PR-404'"),
        ('T-11,P-1,2026-03-04,"1,5",PR-1,x,true', "hours '1,5' uses a decimal comma"),
        ("T-11,P-1,2026-03-04,3,PR-1,x,maybe", "billable 'maybe' is not true or false"),
        (",P-1,2026-03-04,3,PR-1,x,true", "entry_id is required"),
    ],
)
def test_bad_row_is_quarantined_and_the_rest_loads(con, tmp_path, bad_row, reason_part):
    report = load_with_entries(con, tmp_path, GOOD + bad_row + "\n")
    rows = quarantined(con)
    assert len(rows) == 1
    file, line, _key, reason = rows[0]
    assert (file, line) == ("time_entries.csv", 3)  # header is line 1, the good row line 2
    assert reason_part in reason
    assert loaded_ids(con) == ["T-10"]
    assert report.file_errors == []


def test_unquoted_decimal_comma_makes_a_ragged_row_that_is_quarantined(con, tmp_path):
    load_with_entries(con, tmp_path, GOOD + "T-11,P-1,2026-03-04,1,5,PR-1,x,true\n")
    (row,) = quarantined(con)
    assert row[1] == 3 and "8 fields, the header has 7" in row[3]
    assert loaded_ids(con) == ["T-10"]


def test_line_numbers_count_quoted_line_breaks(con, tmp_path):
    body = 'T-10,P-1,2026-03-04,3,PR-1,"two\nlines",true\nT-11,P-1,2026-03-04,31,PR-1,x,true\n'
    load_with_entries(con, tmp_path, body)
    (row,) = quarantined(con)
    assert row[1] == 4  # physical line: the note of T-10 spans lines 2 and 3
    assert con.execute("SELECT notes FROM time_entries").fetchall() == [("two\nlines",)]


def test_unknown_currency(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    with (folder / "clients.csv").open("a") as f:
        f.write("CL-7,Odd Money Ltd,XYZ,30,0,active\n")
    import_canonical(con, folder)
    (row,) = quarantined(con, "clients")
    assert row[:3] == ("clients.csv", 5, "CL-7") and "unknown currency 'XYZ'" in row[3]
    assert loaded_ids(con, "clients", "client_id") == ["CL-0", "CL-1", "CL-2"]


def test_same_id_twice_with_different_content_loads_neither(con, tmp_path):
    body = GOOD + "T-12,P-1,2026-03-04,2,PR-1,x,true\nT-12,P-1,2026-03-04,5,PR-1,x,true\n"
    load_with_entries(con, tmp_path, body)
    rows = quarantined(con)
    assert [(r[1], r[2]) for r in rows] == [(3, "T-12"), (4, "T-12")]
    assert all("lines 3, 4 with different content" in r[3] for r in rows)
    assert loaded_ids(con) == ["T-10"]


def test_same_id_twice_with_identical_content_loads_once(con, tmp_path):
    report = load_with_entries(con, tmp_path, GOOD + GOOD)
    assert quarantined(con) == []
    assert loaded_ids(con) == ["T-10"]
    assert {s.entity: s.new for s in report.entities}["time_entries"] == 1


def test_missing_required_column_refuses_the_file_and_names_it(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    (folder / "time_entries.csv").write_text(
        "entry_id,person_id,date,notes\nT-1,P-1,2026-03-02,x\n"
    )
    report = import_canonical(con, folder)
    assert report.file_errors == ["time_entries.csv: missing required column 'hours'"]
    assert loaded_ids(con) == []
    assert loaded_ids(con, "people", "person_id") == ["P-1", "P-2"]  # other files still load
    assert quarantined(con) == [("time_entries.csv", 1, None, "missing required column 'hours'")]


def test_empty_file_loads_nothing_and_keeps_existing_rows(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    import_canonical(con, folder)
    (folder / "time_entries.csv").write_text("")
    report = import_canonical(con, folder)
    assert loaded_ids(con) == ["T-1", "T-2", "T-3"]
    assert "time_entries.csv: empty file: no header row" in report.file_errors


def test_header_only_file_is_an_empty_extract(con, tmp_path):
    report = load_with_entries(con, tmp_path, "")
    assert report.file_errors == [] and loaded_ids(con) == []


def test_latin1_file_is_read_and_noted(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    text = "person_id,name,role\nP-1,Jürgen Müller,Engineer\nP-2,Zoë Faß,Designer\n"
    (folder / "people.csv").write_bytes(text.encode("latin-1"))
    report = import_canonical(con, folder)
    names = sorted(r[0] for r in con.execute("SELECT name FROM people").fetchall())
    assert names == ["Jürgen Müller", "Zoë Faß"]
    people = {s.entity: s for s in report.entities}["people"]
    assert any("Latin-1" in n for n in people.notes)


def test_billing_type_typo_rejects_that_contract_only(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    typo = BASE_FILES["contracts.yaml"].replace("billing: fixed_fee", "billing: fixed_fe")
    write_folder(folder, {"contracts.yaml": typo})
    import_canonical(con, folder)
    (row,) = quarantined(con, "contracts")
    assert row[0] == "contracts.yaml" and row[1] == 14  # the line of the workstream
    assert "contract C-2" in row[3] and "unknown billing type 'fixed_fe'" in row[3]
    assert "did you mean 'fixed_fee'" in row[3]
    assert loaded_ids(con, "contracts", "contract_id") == ["C-1"]


def test_retainer_with_negative_included_hours_is_rejected(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    bad = BASE_FILES["contracts.yaml"].replace(
        'billing: fixed_fee\n                fee: "25000.00"',
        'billing: retainer\n                monthly_fee: "8000"\n                included_hours: -5',
    )
    write_folder(folder, {"contracts.yaml": bad})
    import_canonical(con, folder)
    (row,) = quarantined(con, "contracts")
    assert "contract C-2" in row[3] and "included_hours -5" in row[3]


def test_reimporting_a_bad_folder_does_not_duplicate_quarantine(con, tmp_path):
    load_with_entries(con, tmp_path, GOOD + "T-11,P-1,2026-03-04,30,PR-1,x,true\n")
    import_canonical(con, tmp_path / "firm")
    assert len(quarantined(con)) == 1


def test_fixed_row_resolves_its_quarantine_entry(con, tmp_path):
    load_with_entries(con, tmp_path, GOOD + "T-11,P-1,2026-03-04,30,PR-1,x,true\n")
    load_with_entries(con, tmp_path, GOOD + "T-11,P-1,2026-03-04,3,PR-1,x,true\n")
    open_rows = con.execute("SELECT count(*) FROM quarantine WHERE resolved_at IS NULL").fetchall()
    assert open_rows == [(0,)]
    assert con.execute("SELECT hours FROM time_entries WHERE entry_id='T-11'").fetchall() == [
        (Decimal(3),)
    ]


def test_failed_load_leaves_the_warehouse_as_it_was(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    import_canonical(con, folder)
    before = con.execute("SELECT count(*) FROM people").fetchall()
    changed = BASE_FILES["people.csv"].replace("Sam Lee", "Samuel Lee")
    write_folder(folder, {"people.csv": changed})
    (folder / "time_entries.csv").unlink()
    (folder / "time_entries.csv").mkdir()  # unreadable: a folder where a file should be
    with pytest.raises(IsADirectoryError):
        import_canonical(con, folder)
    assert con.execute("SELECT count(*) FROM people").fetchall() == before
    assert con.execute("SELECT name FROM people WHERE person_id='P-2'").fetchall() == [("Sam Lee",)]
    assert con.execute("SELECT status FROM load_log ORDER BY load_id").fetchall() == [
        ("ok",),
        ("failed",),
    ]


def test_withdrawn_currency_is_history_not_an_error(con, tmp_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    with (folder / "clients.csv").open("a") as f:
        f.write("CL-8,Sofia Studio,BGN,30,0,inactive\n")  # lev, replaced by the euro in 2026
    import_canonical(con, folder)
    assert quarantined(con, "clients") == []
    assert "CL-8" in loaded_ids(con, "clients", "client_id")


def test_negative_payment_and_credit_memo_for_unknown_invoice_are_quarantined(con, tmp_path):
    folder = write_folder(
        tmp_path / "firm",
        BASE_FILES
        | {
            "invoices.csv": """
                invoice_id,client_id,issue_date,due_date,currency,total,kind,credits_invoice_id
                I-1,CL-1,2026-03-31,2026-04-30,USD,1000.00,invoice,
                I-2,CL-1,2026-04-05,2026-04-05,USD,-100.00,credit_memo,I-1
                I-3,CL-1,2026-04-06,2026-04-06,USD,-50.00,credit_memo,I-999
            """,
            "payments.csv": """
                payment_id,client_id,date,amount,currency,reference
                PAY-1,CL-1,2026-04-20,400.00,USD,I-1
                PAY-2,CL-1,2026-04-21,-50.00,USD,
                PAY-3,CL-404,2026-04-22,50.00,USD,
            """,
        },
    )
    import_canonical(con, folder)
    assert [r[1:] for r in quarantined(con, "invoices")] == [
        (4, "I-3", "unknown credits_invoice_id 'I-999'")
    ]
    assert [r[1:] for r in quarantined(con, "payments")] == [
        (3, "PAY-2", "amount -50.00 is negative"),
        (4, "PAY-3", "unknown client_id 'CL-404'"),
    ]
    assert loaded_ids(con, "payments", "payment_id") == ["PAY-1"]
