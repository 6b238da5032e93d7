"""Every KPI card says which of the sidebar's filters apply to it (metrics.kpis.filter_note)."""

from __future__ import annotations

from metrics.filters import Filters
from metrics.kpis import FILTER_SCOPE, filter_note
from read_models.overview import CARD_KPIS

OCT = Filters.month("2026-10", clients=("CL-1",), teams=("Eng",))
NAMES = {"CL-1": "Acme Corp"}


def test_every_card_has_a_filter_scope():
    assert set(CARD_KPIS) <= set(FILTER_SCOPE)


def test_no_filter_says_all():
    note = filter_note("billing_realization", Filters.month("2026-10"))
    assert note == "Applies: October 2026 · all clients and teams"


def test_utilization_says_how_the_client_filter_reads():
    assert filter_note("billable_utilization", OCT, NAMES) == (
        "Applies: October 2026 · clients Acme Corp: the clients' hours over the capacity of the "
        "people who worked for them · teams Eng"
    )


def test_kpis_that_ignore_a_filter_say_so():
    assert "not by client: timesheets are per person-week" in filter_note(
        "timesheet_compliance", OCT, NAMES
    )
    assert "not by team: receivables belong to no team" in filter_note("dso", OCT, NAMES)
    assert "clients Acme Corp" in filter_note("dso", OCT, NAMES)
