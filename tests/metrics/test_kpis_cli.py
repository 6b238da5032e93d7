"""`python -m metrics kpis`: the JSON document, the table, and the one-line user errors."""

from __future__ import annotations

import json

import pytest

from metrics.__main__ import main
from tests.metrics.kpi_firm import build_kpi_firm
from warehouse.db import connect


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kpi_cli")
    path = tmp / "warehouse.duckdb"
    con = connect(path)
    build_kpi_firm(con, tmp)
    con.close()
    return path


def test_json_gives_the_months_figures_as_decimal_strings(db, capsys):
    assert main(["--db", str(db), "kpis", "--period", "2026-06", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["period"], doc["start"], doc["end"]) == ("2026-06", "2026-06-01", "2026-06-30")
    assert doc["base_currency"] == "USD"
    util = doc["kpis"]["billable_utilization"]
    # Worked out in tests/metrics/test_kpis.py: 162 billable of 248 available hours.
    assert (util["value"], util["target"], util["status"]) == ("0.6532", "0.7387", "red")
    assert util["billable_hours"] == "162" and util["available_hours"] == "248"
    real = doc["kpis"]["billing_realization"]
    assert (real["value"], real["billed_value"], real["standard_value"]) == (
        "0.9521",
        "14900.00",
        "15650.00",
    )
    assert doc["kpis"]["billing_realization"]["status"] == "green"  # 95.2% >= 95%
    assert doc["kpis"]["days_to_invoice"]["value"] == "2.3"
    assert doc["kpis"]["days_to_invoice"]["status"] == "green"  # <= 3 business days
    for key in ("dso", "collection_realization", "timesheet_compliance", "revenue_leakage"):
        assert key in doc["kpis"]


def test_team_and_client_filters_narrow_the_figures(db, capsys):
    argv = ["--db", str(db), "kpis", "--period", "2026-06", "--format", "json"]
    assert main([*argv, "--team", "Engineering"]) == 0
    util = json.loads(capsys.readouterr().out)["kpis"]["billable_utilization"]
    assert util["value"] == "0.6373"  # 130 / 204
    assert main([*argv, "--client", "CL-1"]) == 0
    real = json.loads(capsys.readouterr().out)["kpis"]["billing_realization"]
    assert real["value"] == "0.9500"  # Acme: 9,500 / 10,000


def test_the_table_names_each_kpi(db, capsys):
    assert main(["--db", str(db), "kpis", "--period", "2026-06"]) == 0
    out = capsys.readouterr().out
    assert "KPIs for June 2026 (amounts in USD)" in out
    assert "Billable utilization" in out and "65.3%" in out and "73.9%" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["kpis", "--period", "2026-13"], "error: period '2026-13' is not YYYY-MM"),
        (["kpis", "--period", "June"], "error: period 'June' is not YYYY-MM"),
    ],
)
def test_a_bad_period_is_one_line_and_exit_1(db, capsys, argv, message):
    assert main(["--db", str(db), *argv]) == 1
    err = capsys.readouterr().err
    assert err.strip() == message


def test_a_missing_warehouse_is_one_line_and_exit_1(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.duckdb"), "kpis", "--period", "2026-06"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no warehouse at") and "\n" not in err


def test_no_period_is_bad_usage_exit_2(db):
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(db), "kpis"])
    assert exit_.value.code == 2
