"""Classification on the Exceptions page (AppTest, demo firm): a run from the page fills the
queue with suggestions, and accepting one in a click gives its entry the suggested fields."""

from __future__ import annotations

from tests.support.app_pages import button, open_page, query, select_rows

PAGE = "pages/exceptions.py"
USER = "Dana Ortiz"


def queue_table(at):
    return next(df.value for df in at.dataframe if df.key and df.key.startswith("exception_table"))


def test_classify_then_accept_one_suggestion(monkeypatch, demo_db):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setattr("rules.classify.llm.SECRETS_PATH", demo_db.parent / "none.toml")
    at = open_page(monkeypatch, demo_db, PAGE, user=USER)
    button(at, "Classify unassigned time").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    (count,) = query(
        demo_db,
        "select count(*) from exceptions where kind = 'classify_suggestion' and status = 'open'",
    )[0]
    table = queue_table(at)
    # the first page of 500 rows (the queue is paged; these are its oldest rows)
    assert count > 0 and (table["kind"] == "classify_suggestion").sum() == min(count, 500)
    row = int(table.index[table["kind"] == "classify_suggestion"][0])
    entry_id = table["ref"][row]
    select_rows(at, "exception_table", [row])
    expected = query(
        demo_db,
        "select project_id, sow_line_id from classify_suggestions "
        "where object_id = ? and status = 'open'",
        [entry_id],
    )
    button(at, "Accept 1 suggestion(s)").click().run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    got = query(
        demo_db,
        "select project_id, sow_line_id from effective_time_entries where entry_id = ?",
        [entry_id],
    )
    assert got == expected
    decided = query(
        demo_db, "select distinct decided_by from entry_overrides where entry_id = ?", [entry_id]
    )
    assert decided == [(USER,)]
