"""team_under_reporting catches a team that under-reports as a whole while the shortfall
rotates between members, so no one is low two weeks in a row (and no one is chronic).

Four people in Ops, 40 h/week each (160 h a week for the team); weeks start Monday, no public
holidays (no holidays_country). Five full weeks W1 03-02 … W5 03-30; as of Sun 04-05 they are
all full. Each week one member logs nothing and the other three log 40 h: 120 of 160 h = 75%,
strictly below 80%, five weeks running. Each member is low in one or two weeks, never two in a
row (W1 P-1, W2 P-2, W3 P-3, W4 P-4, W5 P-1).
Near miss, Sales: five members, one absent each week: 160 of 200 h = 80%, not below."""

from __future__ import annotations

from datetime import date, timedelta

from etl.loader import import_canonical
from rules.config import RulesConfig
from rules.engine import evaluate
from rules.prepare import prepare
from tests.conftest import write_folder

WEEKS = [date(2026, 3, 2) + timedelta(weeks=i) for i in range(5)]
AS_OF = date(2026, 4, 5)
OPS = ["P-1", "P-2", "P-3", "P-4"]
SALES = ["S-1", "S-2", "S-3", "S-4", "S-5"]


def _entries() -> str:
    rows = ["entry_id,person_id,date,hours,project_id"]
    for team in (OPS, SALES):
        for w, monday in enumerate(WEEKS):
            absent = team[w % len(team)]
            for person in team:
                if person == absent:
                    continue
                for d in range(5):  # 8 h Monday to Friday
                    rows.append(f"{person}-{w}-{d},{person},{monday + timedelta(days=d)},8,PR-1")
    return "\n".join(rows) + "\n"


FILES = {
    "firm.yaml": "name: Rota & Co\nbase_currency: USD\nweek_starts: mon\n",
    "clients.csv": "client_id,name,currency\nCL-1,Acme,USD\n",
    "projects.csv": "project_id,name,client_id,status\nPR-1,Storefront,CL-1,active\n",
    "people.csv": "person_id,name,role,team\n"
    + "".join(f"{p},{p},Consultant,Ops\n" for p in OPS)
    + "".join(f"{p},{p},Sales,Sales\n" for p in SALES),
}


def test_team_low_in_rotation_fires_although_no_member_is_chronic(con, tmp_path):
    folder = write_folder(tmp_path / "firm", FILES)
    (folder / "time_entries.csv").write_text(_entries())
    assert import_canonical(con, folder).quarantined == 0
    prepare(con, AS_OF)
    chronic = evaluate(con, "chronic_under_reporting", AS_OF, RulesConfig())
    assert chronic == []  # nobody is low two weeks in a row
    low = {e.ref for e in evaluate(con, "under_reported_week", AS_OF, RulesConfig())}
    assert "P-1:2026-03-02" in low and "P-1:2026-03-09" not in low
    by = {e.ref: e for e in evaluate(con, "team_under_reporting", AS_OF, RulesConfig())}
    assert sorted(by) == ["Ops"]  # Sales sits at exactly 80%
    ops = by["Ops"].evidence
    # 5 weeks x 120 h = 600 h logged of 5 x 160 = 800 h expected
    assert (ops["weeks"], ops["logged_hours"], ops["expected_hours"]) == (5, 600, 800)
    assert ops["members"] == OPS
