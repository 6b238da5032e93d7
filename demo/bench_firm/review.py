"""Planted review cases in the second benchmark firm, for `rules review` (issue 15): the firm's
September, approved and labelled, with a few entries changed the way real problems look and
the rest left as the generator wrote them (the negatives). A separate seeded generator draws
them, and they go to a warehouse of their own (bench/bench_llm_review.py), so the classifier
benchmark's firm is untouched.

Planted, in the firm's own words (its contacts, objects and shorthand), written without
looking at the local heuristic's cue lists:
- leakage: client work flipped to non-billable with no reason in the note;
- scope creep: a billable entry whose note relays an ask outside the SOW lines;
- milestone mismatch: a planned milestone whose deliverable a note says went out, and a
  milestone marked complete while notes keep working on it;
- under-reporting: days whose calendar is busy well past the 8 hours logged, and notes that
  state a longer day than the 8 hours logged.
The generator's own no-charge entries (goodwill, warranty work, ...) are negatives for
leakage: they give their reason."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from demo.bench_firm.generate import Firm

AS_OF = date(2026, 9, 30)  # the review window: the 31 days up to here (September)
SINCE = AS_OF - timedelta(days=30)
ENTRY_COLUMNS = (
    "entry_id",
    "person_id",
    "date",
    "hours",
    "project_id",
    "sow_line_id",
    "notes",
    "billable",
    "work_type",
    "approved_at",
)
SCOPE_ASKS = (
    "{who} wants a one-off {obj} extract for their board pack",
    "side request from {who}: ad hoc {obj} list for audit",
    "could we also look at {obj} pricing? per {who}",
    "{who} asked us to also redo their {obj} slides",
    "extra ask - {obj} deep dive for {who}, not in plan",
    "helping {who} with an unrelated {obj} vendor pick",
)
DELIVERED = (
    "{name} sent to {who}",
    "handed over {name} to {who} today",
    "{name} signed off by {who}",
)
STILL = ("{name} fixes again after feedback", "still reworking {name}", "{name} v3 changes")
STATED = (  # more than the 8 hours every day of this firm logs
    "{obj} go-live support, 11 hours straight",
    "10 hrs on {obj} with {who} today",
    "long day - {obj} workshop ran 7am to 7pm",
)


@dataclass
class Planted:
    files: dict[str, str]
    expected: set[tuple[str, str]]  # (finding kind, ref)


def _rows(firm: Firm) -> pl.DataFrame:
    text = firm.files["time_entries.csv"]
    return pl.read_csv(text.encode(), schema_overrides={c: pl.String for c in ENTRY_COLUMNS})


def _csv(frame: pl.DataFrame) -> str:
    return frame.write_csv()


def plant(firm: Firm, seed: int = 5) -> Planted:
    """The firm's files with September's planted cases, and the (kind, ref) pairs to find."""
    rng = random.Random(seed)
    rows = _rows(firm)
    client = rows.filter(
        (pl.col("date") >= str(SINCE))
        & (pl.col("date") <= str(AS_OF))
        & pl.col("project_id").str.contains(r"^BP-\d+$")
        & (pl.col("billable") == "true")
    )
    ids = client["entry_id"].to_list()
    rng.shuffle(ids)
    leak, scope, stated = ids[:12], ids[12:20], ids[20:26]
    expected: set[tuple[str, str]] = set()
    notes, billable = {}, {}
    by_id = {r["entry_id"]: r for r in client.iter_rows(named=True)}
    for e in leak:
        billable[e] = "false"
        expected.add(("review_leakage", e))
    who = ("dana", "sue", "rachel", "helga", "gemma", "ivo", "mo", "anand")
    obj = ("shipments", "readmissions", "kyc refresh", "claims leakage", "rostering", "outage")
    for e in scope:
        notes[e] = rng.choice(SCOPE_ASKS).format(who=rng.choice(who), obj=rng.choice(obj))
        expected.add(("review_scope_creep", e))
    for e in stated:
        notes[e] = rng.choice(STATED).format(who=rng.choice(who), obj=rng.choice(obj))
        r = by_id[e]
        expected.add(("review_under_reporting", f"{r['person_id']}:{r['date']}"))
    # milestones: two planned whose deliverable a note says went out, two complete that notes
    # keep working on, two that nothing contradicts
    milestones = [
        ("HM-1", "BP-1", "Tariff data mart", "planned", None),
        ("HM-2", "BP-3", "Wait times dashboard", "planned", None),
        ("HM-3", "BP-7", "Statement runs runbook", "complete", "2026-09-08"),
        ("HM-4", "BP-9", "Rostering playbook", "complete", "2026-09-04"),
        ("HM-5", "BP-5", "Promo uplift model", "planned", None),
        ("HM-6", "BP-6", "Loan intake redesign", "complete", "2026-08-28"),
    ]
    on_project = {
        p: client.filter(pl.col("project_id") == p)["entry_id"].to_list()
        for p in ("BP-1", "BP-3", "BP-7", "BP-9")
    }
    for mid, project, name, status, _done in milestones[:4]:
        pool = [e for e in on_project[project] if e not in notes and e not in billable]
        pool = sorted(pool, key=lambda e: by_id[e]["date"])
        e = pool[-1] if status == "planned" else pool[len(pool) // 2]
        if status == "complete":  # work after the completion date
            e = next(x for x in pool if by_id[x]["date"] > _done_of(milestones, mid))
        template = rng.choice(DELIVERED if status == "planned" else STILL)
        notes[e] = template.format(name=name.lower(), who=rng.choice(who))
        expected.add(("review_milestone_mismatch", mid))
    # calendars: six busy days (11-12 hours of meetings against 8 logged), four ordinary ones
    days = client.select("person_id", "date").unique().sort("person_id", "date").rows()
    rng.shuffle(days)
    events, n = [], 0
    for i, (person, day) in enumerate(days[:10]):
        busy = i < 6
        start = datetime.fromisoformat(f"{day}T07:30:00+00:00")
        blocks = ((0, 3.0), (3.5, 4.0), (8.0, 3.5)) if busy else ((1.0, 2.0), (4.0, 1.5))
        for offset, length in blocks:
            n += 1
            begin = start + timedelta(hours=offset)
            events.append(
                (
                    f"HEV-{n}",
                    person,
                    begin.isoformat(),
                    (begin + timedelta(hours=length)).isoformat(),
                    rng.choice(("client workshop", "steerco", "design session", "working session")),
                    3,
                    "",
                    "confirmed",
                )
            )
        if busy:
            expected.add(("review_under_reporting", f"{person}:{day}"))
    changed = rows.with_columns(
        notes=pl.col("entry_id").replace_strict(notes, default=pl.col("notes")),
        billable=pl.col("entry_id").replace_strict(billable, default=pl.col("billable")),
    )
    files = dict(firm.files)
    files["time_entries.csv"] = _csv(changed.select(ENTRY_COLUMNS))
    files["milestones.csv"] = _csv(
        pl.DataFrame(
            [
                (m, p, name, "10000.00", "2026-09-30", status, done or "")
                for m, p, name, status, done in milestones
            ],
            schema=[
                "milestone_id",
                "project_id",
                "name",
                "amount",
                "due_date",
                "status",
                "completed_on",
            ],
            orient="row",
        )
    )
    files["calendar_events.csv"] = _csv(
        pl.DataFrame(
            events,
            orient="row",
            schema=[
                "event_id",
                "person_id",
                "start",
                "end",
                "title",
                "external_attendees",
                "client_id",
                "status",
            ],
        )
    )
    return Planted(files, expected)


def _done_of(milestones: list[tuple], mid: str) -> str:
    return next(done for m, *_rest, done in milestones if m == mid)
