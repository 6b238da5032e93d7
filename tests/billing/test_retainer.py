"""Rule 5, retainers: fee, rollover bank (oldest first, expiry, cap), overage and rush lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from billing.model import BillableEntry, Line, Workstream
from billing.period import Period
from billing.retainer import draws_on_retainer, retainer_lines, simulate_bank

JAN, FEB, MAR, APR = (Period(2026, m) for m in (1, 2, 3, 4))


def workstream(**terms) -> Workstream:
    """The seed retainer (contracts.yaml P-4): 8000.00 for 40 h, overage 185.00, rollover
    20 h / 2 months, rush 1.5× kept apart from the allowance."""
    seed = {
        "contract_id": "C-100",
        "project_id": "P-4",
        "billing": "retainer",
        "monthly_fee": D("8000.00"),
        "included_hours": D(40),
        "overage_rate": D("185.00"),
        "rollover_max_hours": D(20),
        "rollover_expires_after_months": 2,
        "rush_multiplier": D("1.5"),
        "rush_counts_against_retainer": False,
    }
    return Workstream(**{**seed, **terms})


def entry(
    entry_id: str,
    day: str,
    hours: str,
    *,
    rush: bool = False,
    rate: str | None = "150.00",
    problem: str | None = None,
    raw: str | None = None,
) -> BillableEntry:
    return BillableEntry(
        entry_id=entry_id,
        person_id="PE-1",
        role="engineer",
        project_id="P-4",
        date=date.fromisoformat(day),
        hours=D(raw or hours),
        rounded_hours=D(hours),
        work_type="rush" if rush else "standard",
        rate=D(rate) if rate is not None else None,
        rate_problem=problem,
    )


def by_kind(lines: list[Line]) -> dict[str, Line]:
    kinds = [line.kind for line in lines]
    assert len(kinds) == len(set(kinds)), "overage and rush are one line each per project"
    return {line.kind: line for line in lines}


def bank(ws: Workstream, hours: dict[Period, str], last: Period) -> dict[Period, tuple]:
    """(from_rollover, from_allowance, overage, banked, expired, forfeited, bank_after)."""
    months = simulate_bank(ws, {p: D(h) for p, h in hours.items()}, JAN, last)
    return {
        m.period: tuple(
            str(v)
            for v in (
                m.from_rollover,
                m.from_allowance,
                m.overage_hours,
                m.banked,
                m.expired,
                m.forfeited,
                m.bank_after,
            )
        )
        for m in months
    }


def test_seed_month_fee_overage_and_rush_kept_apart():
    # 46 standard h: E-01..E-04 8 h each (E-03 logged 7.95, rounded 8), E-05 10 h, E-06 4 h.
    # Allowance 40 covers E-01..E-04 (32) + 8 h of E-05; overage = 2 h of E-05 + 4 h of E-06.
    # Rush (6 h) never draws on the allowance.
    entries = [
        entry("E-06", "2026-03-09", "4"),
        entry("R-01", "2026-03-10", "6", rush=True),
        entry("E-01", "2026-03-02", "8"),
        entry("E-02", "2026-03-03", "8"),
        entry("E-03", "2026-03-04", "8", raw="7.95"),
        entry("E-04", "2026-03-05", "8"),
        entry("E-05", "2026-03-06", "10"),
    ]
    lines, problems = retainer_lines(workstream(), MAR, entries, {}, MAR)
    assert problems == []
    got = by_kind(lines)
    assert [line.kind for line in lines] == ["retainer_fee", "overage", "rush"]
    fee = got["retainer_fee"]
    # the fee's sources: the entries it covers, E-05 partly (8 of its 10 h); E-06 is all overage
    assert (fee.quantity, fee.unit_price, fee.amount) == (1, D(8000), D(8000))
    assert fee.sources == ["E-01", "E-02", "E-03", "E-04", "E-05"]
    assert fee.description == "Monthly retainer, March 2026 (40 h included)"
    # Overage: 6 h × 185.00 = 1110.00
    over = got["overage"]
    assert (over.quantity, over.unit_price, over.amount) == (D(6), D("185.00"), D("1110.00"))
    assert over.sources == ["E-05", "E-06"]
    assert over.description == "Overage: 6 h at 185.00"
    # Rush: 185.00 × 1.5 = 277.50; 6 h × 277.50 = 1665.00
    rush = got["rush"]
    assert (rush.quantity, rush.unit_price, rush.amount) == (D(6), D("277.50"), D("1665.00"))
    assert rush.sources == ["R-01"]
    assert rush.description == "Rush work: 6 h at 277.50 (1.5 × 185.00)"
    # 8000.00 + 1110.00 + 1665.00
    assert sum(line.amount for line in lines) == D("10775.00")


def test_three_months_draw_oldest_lot_first_then_allowance_then_overage():
    # Jan 30 h: 30 from the allowance, 10 unused -> Jan lot 10.            bank 10
    # Feb 5 h:  5 from the Jan lot (5 left); allowance unused 40 -> bank 5 + 40 = 45,
    #           cap 20 forfeits 25 of the newest (Feb) lot -> Feb lot 15.   bank 20
    # Mar 65 h: Jan lot 5, then Feb lot 15 (20 from rollover), allowance 40, overage 5;
    #           the Jan lot expires at the end of March but is empty: nothing expired. bank 0
    ws = workstream()
    assert bank(ws, {JAN: "30", FEB: "5", MAR: "65"}, MAR) == {
        JAN: ("0", "30", "0", "10", "0", "0", "10"),
        FEB: ("5", "0", "0", "15", "0", "25", "20"),
        MAR: ("20", "40", "5", "0", "0", "0", "0"),
    }
    # March: M-01..M-06 10 h each (60) and M-07 5 h = 65; the last 5 h (M-07) are overage.
    march = [entry(f"M-0{i}", f"2026-03-0{i + 1}", "10") for i in range(1, 7)]
    march.append(entry("M-07", "2026-03-09", "5"))
    lines, problems = retainer_lines(ws, MAR, march, {JAN: D(30), FEB: D(5)}, JAN)
    assert problems == []
    over = by_kind(lines)["overage"]
    assert (over.quantity, over.amount, over.sources) == (D(5), D("925.00"), ["M-07"])  # 5 × 185


def test_partly_used_lots_draw_oldest_first_and_expire_in_month_m_plus_k():
    # Jan 30 h -> Jan lot 10. Feb 5 h -> Jan lot 5, Feb lot 15 (25 forfeited).
    # Mar 10 h: oldest first -> Jan lot 5 (0 left), Feb lot 5 (10 left); allowance untouched,
    #           40 unused -> bank 10 + 40 = 50, cap forfeits 30 of the Mar lot -> Mar lot 10.
    #           (Newest first would have left 5 h of the Jan lot to expire in March.)
    # Apr 0 h:  the Feb lot (usable Mar..Apr) expires at the end of April with 10 h;
    #           after expiry the bank is Mar 10 + Apr 40 = 50 -> Apr lot 10, 30 forfeited.
    ws = workstream()
    assert bank(ws, {JAN: "30", FEB: "5", MAR: "10"}, APR) == {
        JAN: ("0", "30", "0", "10", "0", "0", "10"),
        FEB: ("5", "0", "0", "15", "0", "25", "20"),
        MAR: ("10", "0", "0", "10", "0", "30", "20"),
        APR: ("0", "0", "0", "10", "10", "30", "20"),
    }
    history = {JAN: D(30), FEB: D(5), MAR: D(10)}
    lines, problems = retainer_lines(ws, APR, [], history, JAN)
    assert [line.kind for line in lines] == ["retainer_fee"]
    assert [(p.kind, p.ref) for p in problems] == [("expired_rollover", "C-100")]
    assert problems[0].detail == (
        "P-4: 10 h of unused retainer hours banked in February 2026 expired at the end of "
        "April 2026"
    )
    _, march_problems = retainer_lines(ws, MAR, [entry("X", "2026-03-02", "10")], history, JAN)
    assert march_problems == []


def test_unused_lot_expires_in_m_plus_k_and_the_cap_forfeits_the_newest_hours_after_expiry():
    # Jan 30 h -> Jan lot 10, bank 10.
    # Feb 0 h:  40 unused -> bank 10 + 40 = 50; cap 20 forfeits 30 of the NEWEST (Feb) lot,
    #           so the Jan lot keeps its 10 and Feb keeps 10.            bank 20
    #           (Oldest first would have forfeited Jan's 10: nothing would expire in March.)
    # Mar 0 h:  the Jan lot (usable Feb..Mar) expires at the end of March: 10 h expired.
    #           Cap after expiry: Feb 10 + Mar 40 = 50 -> 30 forfeited, Mar lot 10. bank 20
    #           (Capping before expiry would give 10 + 10 + 40 = 60 -> Mar lot 0, bank 10.)
    ws = workstream()
    assert bank(ws, {JAN: "30"}, MAR) == {
        JAN: ("0", "30", "0", "10", "0", "0", "10"),
        FEB: ("0", "0", "0", "10", "0", "30", "20"),
        MAR: ("0", "0", "0", "10", "10", "30", "20"),
    }
    march = simulate_bank(ws, {JAN: D(30)}, JAN, MAR)[-1]
    assert march.expired_from == [(JAN, D(10))]
    _, feb_problems = retainer_lines(ws, FEB, [], {JAN: D(30)}, JAN)
    assert feb_problems == []
    _, mar_problems = retainer_lines(ws, MAR, [], {JAN: D(30), FEB: D(0)}, JAN)
    assert [(p.kind, p.ref) for p in mar_problems] == [("expired_rollover", "C-100")]
    assert "10 h" in mar_problems[0].detail and "January 2026" in mar_problems[0].detail


def test_rollover_without_expiry_never_expires_and_without_cap_keeps_everything():
    # max_hours 20, no expires_after_months: Jan 10 banked; Feb 40 more -> 50, 30 forfeited;
    # Mar 40 more -> 60, 40 forfeited (Mar lot 0), and Jan's hours never expire.
    assert bank(workstream(rollover_expires_after_months=None), {JAN: "30"}, MAR)[MAR] == (
        "0",
        "0",
        "0",
        "0",
        "0",
        "40",
        "20",
    )
    # expires after 2 months, no max_hours: Jan 10, Feb 40, Mar 40 -> bank 90, Jan's 10
    # expire at the end of March: 80 left.
    assert bank(workstream(rollover_max_hours=None), {JAN: "30"}, MAR)[MAR] == (
        "0",
        "0",
        "0",
        "40",
        "10",
        "0",
        "80",
    )


def test_without_a_rollover_block_nothing_is_banked():
    # Jan 30 h leaves 10 unused, but without rollover they are simply gone (not "forfeited").
    # Feb 52.5 h: allowance 40, overage 12.5 h × 185.00 = 2312.50.
    ws = workstream(rollover_max_hours=None, rollover_expires_after_months=None)
    assert bank(ws, {JAN: "30", FEB: "52.5"}, FEB) == {
        JAN: ("0", "30", "0", "0", "0", "0", "0"),
        FEB: ("0", "40", "12.5", "0", "0", "0", "0"),
    }
    feb = [entry(f"F-{i}", f"2026-02-0{i}", "10") for i in range(1, 6)]
    feb.append(entry("F-6", "2026-02-09", "2.5"))
    lines, problems = retainer_lines(ws, FEB, feb, {JAN: D(30)}, JAN)
    over = by_kind(lines)["overage"]
    assert (over.quantity, over.unit_price, over.amount) == (D("12.5"), D("185.00"), D("2312.50"))
    assert over.description == "Overage: 12.5 h at 185.00"
    # The allowance covers F-1..F-4 (40 h); overage = F-5 (10 h) + F-6 (2.5 h) = 12.5 h.
    assert over.sources == ["F-5", "F-6"]
    assert problems == []


def test_overage_at_card_rates_takes_the_last_hours_of_the_period():
    # No overage_rate, 10 h included. Order (date, entry_id): E-3 (Mar 2), E-1, E-2 (Mar 3).
    # 15 h; the allowance covers E-3 6 h + 4 h of E-1; overage = last 5 h:
    # E-1 2 h × 200.00 = 400.00, E-2 3 h × 150.00 = 450.00 -> 850.00; 850.00 / 5 = 170.00.
    ws = workstream(
        overage_rate=None,
        included_hours=D(10),
        rollover_max_hours=None,
        rollover_expires_after_months=None,
    )
    entries = [
        entry("E-1", "2026-03-03", "6", rate="200.00"),
        entry("E-2", "2026-03-03", "3", rate="150.00"),
        entry("E-3", "2026-03-02", "6", rate="150.00"),
    ]
    lines, problems = retainer_lines(ws, MAR, entries, {}, MAR)
    over = by_kind(lines)["overage"]
    assert (over.quantity, over.unit_price, over.amount) == (D(5), D("170.00"), D("850.00"))
    assert over.sources == ["E-1", "E-2"]
    assert over.description == "Overage: 5 h at card rates, average 170.00 per h"
    assert problems == []


def test_card_rate_average_is_rounded_but_the_amount_is_exact():
    # Nothing included: A 1 h × 200.00 + B 2 h × 150.00 = 500.00 over 3 h;
    # unit_price = 500 / 3 = 166.666… -> 166.67, the amount stays 500.00 (not 3 × 166.67).
    ws = workstream(overage_rate=None, included_hours=D(0))
    entries = [entry("A", "2026-03-02", "1", rate="200.00"), entry("B", "2026-03-03", "2")]
    over = by_kind(retainer_lines(ws, MAR, entries, {}, MAR)[0])["overage"]
    assert (over.quantity, over.unit_price, over.amount) == (D(3), D("166.67"), D("500.00"))


def test_uniform_card_rate_is_the_unit_price():
    # Same entries as above at 150.00 each: overage 5 h × 150.00 = 750.00.
    ws = workstream(overage_rate=None, included_hours=D(10))
    entries = [
        entry("E-3", "2026-03-02", "6"),
        entry("E-1", "2026-03-03", "6"),
        entry("E-2", "2026-03-03", "3"),
    ]
    over = by_kind(retainer_lines(ws, MAR, entries, {}, MAR)[0])["overage"]
    assert (over.unit_price, over.amount, over.description) == (
        D("150.00"),
        D("750.00"),
        "Overage: 5 h at 150.00",
    )


def test_missing_rates_are_exceptions_only_where_a_card_rate_is_needed():
    # No overage_rate, 10 h included, rush 1.5× apart.
    # A 8 h (no rate, but fully covered: no exception); N 4 h ambiguous: 2 covered, 2 overage;
    # B 3 h overage at 150.00 -> 450.00. Rush R 2 h has no rate -> exception, no rush line.
    ws = workstream(overage_rate=None, included_hours=D(10))
    entries = [
        entry("A", "2026-03-02", "8", rate=None, problem="missing_rate"),
        entry("N", "2026-03-03", "4", rate=None, problem="ambiguous_rate"),
        entry("B", "2026-03-04", "3"),
        entry("R", "2026-03-05", "2", rush=True, rate=None, problem="missing_rate"),
    ]
    lines, problems = retainer_lines(ws, MAR, entries, {}, MAR)
    assert [line.kind for line in lines] == ["retainer_fee", "overage"]
    over = by_kind(lines)["overage"]
    assert (over.quantity, over.amount, over.sources) == (D(3), D("450.00"), ["B"])
    assert [(p.kind, p.ref) for p in problems] == [("ambiguous_rate", "N"), ("missing_rate", "R")]
    assert problems[0].detail.startswith("2 h of overage")
    assert problems[1].detail.startswith("2 h of rush work")
    # With an overage_rate no card rate is needed, so the same entries raise nothing.
    lines, problems = retainer_lines(workstream(included_hours=D(10)), MAR, entries, {}, MAR)
    assert problems == []
    assert by_kind(lines)["overage"].amount == D("925.00")  # N 2 h + B 3 h = 5 h × 185.00
    assert by_kind(lines)["rush"].amount == D("555.00")  # 2 h × 277.50


def test_rush_counting_against_the_retainer_draws_on_it_and_gets_the_multiplier_in_overage():
    # 10 h included, counts_against_retainer true. Order: S1 6, R1 3 (rush), S2 4, R2 2 (rush)
    # = 15 h; covered: S1 6 + R1 3 + 1 h of S2; overage = last 5 h: S2 3 h, R2 2 h.
    # Overage 3 h × 185.00 = 555.00; rush 2 h × 277.50 = 555.00.
    ws = workstream(
        included_hours=D(10),
        rush_counts_against_retainer=True,
        rollover_max_hours=None,
        rollover_expires_after_months=None,
    )
    entries = [
        entry("S1", "2026-03-02", "6"),
        entry("R1", "2026-03-03", "3", rush=True),
        entry("S2", "2026-03-04", "4"),
        entry("R2", "2026-03-05", "2", rush=True),
    ]
    assert all(draws_on_retainer(ws, e) for e in entries)
    got = by_kind(retainer_lines(ws, MAR, entries, {}, MAR)[0])
    assert (got["overage"].quantity, got["overage"].amount, got["overage"].sources) == (
        D(3),
        D("555.00"),
        ["S2"],
    )
    assert (got["rush"].quantity, got["rush"].amount, got["rush"].sources) == (
        D(2),
        D("555.00"),
        ["R2"],
    )
    # Without a rush block rush hours also count, at 1×: R2 2 h × 185.00 = 370.00.
    plain = workstream(
        included_hours=D(10), rush_multiplier=None, rush_counts_against_retainer=None
    )
    rush = by_kind(retainer_lines(plain, MAR, entries, {}, MAR)[0])["rush"]
    assert (rush.amount, rush.description) == (D("370.00"), "Rush work: 2 h at 185.00")


def test_rush_kept_apart_without_a_multiplier_is_billed_at_one_times():
    # rush {counts_against_retainer: false} and no multiplier: rush 2 h never touches the
    # allowance and bills 2 h × 185.00 × 1 = 370.00.
    ws = workstream(rush_multiplier=None)
    rush_entry = entry("R", "2026-03-02", "2", rush=True)
    assert not draws_on_retainer(ws, rush_entry)
    got = by_kind(retainer_lines(ws, MAR, [rush_entry], {}, MAR)[0])
    assert "overage" not in got
    assert got["rush"].amount == D("370.00")
    assert got["rush"].description == "Rush work: 2 h at 185.00"


def test_line_amounts_round_half_up_to_cents():
    # 185.55 × 1.5 = 278.325 per h; 1 h -> 278.325 -> 278.33 half-up (half-even gives 278.32).
    ws = workstream(overage_rate=D("185.55"))
    lines, _ = retainer_lines(ws, MAR, [entry("R", "2026-03-02", "1", rush=True)], {}, MAR)
    rush = by_kind(lines)["rush"]
    assert (rush.unit_price, rush.amount) == (D("278.325"), D("278.33"))
    assert rush.description == "Rush work: 1 h at 278.325 (1.5 × 185.55)"


def test_a_month_without_work_still_bills_the_fee():
    # Feb and Mar had no work: each bills 8000.00 and nothing else (no rollover here, so no
    # bank to expire either).
    ws = workstream(rollover_max_hours=None, rollover_expires_after_months=None)
    lines, problems = retainer_lines(ws, MAR, [], {JAN: D(12), FEB: D(0)}, JAN)
    assert problems == []
    assert [(ln.kind, ln.quantity, ln.amount, ln.sources) for ln in lines] == [
        ("retainer_fee", D(1), D("8000.00"), [])
    ]
    # The bank still counts idle months: with the seed rollover, Jan 12 h leaves 28 unused ->
    # 20 banked (8 forfeited); Feb banks 0 more (40 unused, bank full: 40 forfeited); Jan's 20
    # expire at the end of March, reported in March's draft alongside the fee.
    lines, problems = retainer_lines(workstream(), MAR, [], {JAN: D(12), FEB: D(0)}, JAN)
    assert [ln.kind for ln in lines] == ["retainer_fee"]
    assert [(p.kind, p.ref) for p in problems] == [("expired_rollover", "C-100")]
    assert problems[0].detail.startswith("P-4: 20 h of unused retainer hours banked in January")


def test_bad_calls_are_loud():
    with pytest.raises(ValueError):
        retainer_lines(workstream(), JAN, [], {}, FEB)  # period before the retainer's first
    other = entry("X", "2026-03-02", "1")
    other.project_id = "P-9"
    with pytest.raises(ValueError):
        retainer_lines(workstream(), MAR, [other], {}, MAR)
