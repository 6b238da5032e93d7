"""The Exceptions page in AppTest: the explained empty state, the month's billing exceptions on
the demo firm, and decisions (one, in bulk, refused) landing in the warehouse with their actor."""

from __future__ import annotations

from tests.support.app_pages import button, open_page, query, select_rows, signed_in

PAGE = "pages/exceptions.py"
USER = "Dana Ortiz"


def queue_table(at):
    return next(df.value for df in at.dataframe if df.key and df.key.startswith("exception_table"))


def refreshed(monkeypatch, db):
    at = open_page(monkeypatch, db, PAGE, user=USER)
    button(at, "Refresh billing exceptions for").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def decide(at, rows: list[int], decision: str, reason: str = "", **inputs):
    """Selects the rows, picks the decision, fills its inputs and the reason, and submits."""
    select_rows(at, "exception_table", rows)
    at.radio(key="decision").set_value(decision).run()
    for label, option in inputs.items():
        box = next(s for s in at.selectbox if s.label == label)
        box.select_index(box.options.index(option))
    next(t for t in at.text_input if t.label == "Reason (optional)").input(reason)
    next(b for b in at.button if b.form_id == "decide").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_missing_warehouse_explains_the_empty_queue(monkeypatch, tmp_path):
    at = open_page(monkeypatch, tmp_path / "warehouse.duckdb", PAGE, user=USER)
    assert "No exceptions yet" in at.info[0].value
    assert "Refresh billing exceptions for" in at.info[0].value
    assert not at.dataframe and not at.metric


def test_until_someone_signs_in_the_page_is_the_sign_in_page(monkeypatch, demo_db):
    monkeypatch.setenv("AUTH_DEMO_MODE", "false")
    at = open_page(monkeypatch, demo_db, PAGE)
    assert [t.value for t in at.title] == ["Sign in"]
    assert not [b for b in at.button if b.label.startswith("Refresh billing exceptions for")]
    signed_in(at, USER)
    assert not button(at.run(), "Refresh billing exceptions for").disabled


def test_refresh_fills_the_queue_with_the_months_billing_exceptions(monkeypatch, demo_db):
    at = refreshed(monkeypatch, demo_db)
    open_count, high_count = query(
        demo_db,
        "select count(*), count(*) filter (where severity = 'high') from exceptions "
        "where status = 'open'",
    )[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Exceptions shown"] == f"{open_count:,}"
    assert metrics["High severity"] == str(high_count)
    table = queue_table(at)
    assert len(table) == min(open_count, 500)  # the first page of 500 rows
    # The demo firm's planted problems of the month (docs/demo_firm.md): P-7 goes over its cap.
    over_cap = table[table["kind"] == "over_cap"].iloc[0]
    assert (over_cap["ref"], over_cap["severity"], over_cap["client_name"]) == (
        "C-103",
        "high",
        "Globex Logistics",
    )
    assert {"po_alert", "unapproved_time"} <= set(table["kind"])
    assert at.toast and "Billing exceptions for" in at.toast[0].value


def test_rejecting_one_records_who_and_why_and_takes_it_off_the_queue(monkeypatch, demo_db):
    at = refreshed(monkeypatch, demo_db)
    table = queue_table(at)
    shown = int({m.label: m.value for m in at.metric}["Exceptions shown"].replace(",", ""))
    row = int(table.index[table["exception_id"] == "po_alert:C-105"][0])
    at = decide(at, [row], "reject", reason="PO extension already signed")

    assert query(
        demo_db,
        "select status, decided_by, decision_reason from exceptions where exception_id = ?",
        ["po_alert:C-105"],
    ) == [("rejected", USER, "PO extension already signed")]
    assert query(
        demo_db,
        "select actor, action, reason from audit_log where object_id = ?",
        ["po_alert:C-105"],
    ) == [(USER, "reject", "PO extension already signed")]
    assert "po_alert:C-105" not in set(queue_table(at)["exception_id"])
    assert {m.label: m.value for m in at.metric}["Exceptions shown"] == f"{shown - 1:,}"


def test_reassigning_in_bulk_writes_an_override_on_each_entry(monkeypatch, demo_db):
    at = refreshed(monkeypatch, demo_db)
    table = queue_table(at)
    rows = [int(i) for i in table.index[table["kind"] == "unapproved_time"][:2]]
    entries = table.loc[rows, "ref"].tolist()
    at = decide(at, rows, "reassign", **{"Reassign to": "P-4 › DEV · Software development"})

    overrides = query(
        demo_db,
        "select entry_id, field, value, decided_by from entry_overrides order by entry_id, field",
    )
    assert overrides == [
        (entry, field, value, USER)
        for entry in sorted(entries)
        for field, value in (("project_id", "P-4"), ("sow_line_id", "S-4-DEV"))
    ]
    statuses = query(
        demo_db,
        "select distinct status from exceptions where list_contains(?, ref)",
        [entries],
    )
    assert statuses == [("reassigned",)]


def test_a_refused_decision_shows_why_and_changes_nothing(monkeypatch, demo_db):
    at = refreshed(monkeypatch, demo_db)
    table = queue_table(at)
    row = int(table.index[table["exception_id"] == "over_cap:C-103"][0])
    at = decide(at, [row], "mark_billable")  # a contract, not a time entry

    assert "applies to time entries" in at.error[0].value
    assert query(
        demo_db, "select status from exceptions where exception_id = 'over_cap:C-103'"
    ) == [("open",)]
    assert query(demo_db, "select count(*) from entry_overrides") == [(0,)]


def test_the_kind_filter_narrows_the_queue(monkeypatch, demo_db):
    at = refreshed(monkeypatch, demo_db)
    next(m for m in at.multiselect if m.label == "Kind").select("over_cap").run()
    assert queue_table(at)["exception_id"].tolist() == ["over_cap:C-103"]
    assert {m.label: m.value for m in at.metric}["Exceptions shown"] == "1"


def test_running_the_rules_adds_their_exceptions_to_the_queue(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, PAGE, user=USER)
    button(at, "Run the exception rules").click().run()
    assert not at.exception, [e.value for e in at.exception]
    kinds = {
        k for (k,) in query(demo_db, "select distinct kind from exceptions where source = 'rules'")
    }
    # the demo's planted problems (docs/demo_firm.md): the under-reporter's low weeks, long
    # days, time after a project's end date
    assert {"under_reported_week", "long_day", "time_after_end"} <= kinds
    weeks = query(
        demo_db,
        "select count(*) from exceptions where kind = 'under_reported_week' "
        "and ref like 'E-010:2026-06-%'",
    )
    assert weeks[0][0] >= 4
    assert at.toast and "Rules run:" in at.toast[0].value


def test_the_sidebars_client_filter_holds_on_the_queue(monkeypatch, demo_db):
    at = refreshed(monkeypatch, demo_db)
    (globex,) = query(demo_db, "select client_id from clients where name = 'Globex Logistics'")[0]
    at.session_state["filter_clients"] = [globex]  # the sidebar's Clients picker
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    table = queue_table(at)
    (expected,) = query(
        demo_db,
        "select count(*) from exceptions where status = 'open' and client_id = ?",
        [globex],
    )[0]
    assert len(table) == expected > 0
    assert set(table["client_name"]) == {"Globex Logistics"}
    picker = next(m for m in at.multiselect if m.label == "Client")
    assert picker.options == ["Globex Logistics"]  # only the sidebar's client is offered


def test_a_long_queue_is_sent_a_page_at_a_time(monkeypatch, demo_db):
    at = refreshed(monkeypatch, demo_db)
    (open_count,) = query(demo_db, "select count(*) from exceptions where status = 'open'")[0]
    assert open_count > 500, "the demo month's queue is longer than one page"
    first = queue_table(at)
    assert len(first) == 500
    pager = next(n for n in at.number_input if n.key and n.key.startswith("exception_page_"))
    pager.set_value(2).run()
    second = queue_table(at)
    assert len(second) == min(open_count - 500, 500)
    assert not set(first["exception_id"]) & set(second["exception_id"])
    everything = query(demo_db, "select exception_id from exceptions where status = 'open'")
    assert set(second["exception_id"]) <= {r[0] for r in everything}
