"""The local review: cue words and word overlap, no model. It runs when no Anthropic key is
configured (and for any request the API could not answer), and says so in every finding's
`model`. Cheap and explainable, so it looks for the plain wording of each problem:

- leakage: a non-billable entry (or one on a no-charge SOW line) of a client project whose note
  describes work (a work verb, or words of one of the project's billable SOW lines) and gives
  no reason for not billing (internal, warranty, our own bug, agreed not to bill, ...);
- scope creep: a billable entry whose note relays a new ask ("asked us to also", "wants a",
  "extra", "change request", ...) and shares no word with any of the project's SOW lines;
- milestone mismatch: a note claiming a deliverable (done, delivered, sent ... to, went live,
  ...) that names at least half the words of a milestone still planned; or, after a milestone
  was marked done, notes that name it with words of work going on (still, again, v3, rework);
- under-reporting: a day whose calendar (events not cancelled, overlaps merged) is busy at
  least `gap_hours` more than the hours logged, or a note stating a longer time ("the whole
  day", "3 hours") than its entry logs."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from decimal import Decimal

from rules.llm_review import kinds
from rules.llm_review.data import ReviewInput
from rules.llm_review.text import stems

EXCUSE = re.compile(
    r"\b(internal|admin\w*|training|learning|timesheets?|huddle|staffing|warranty|goodwill|"
    r"courtesy|pro bono|write.?off|written off|presales|pre-sales|proposal|pitching|"
    r"(not?|non)[- ]?bil\w*|no.?charge|n/c|w\w*r\w*ty|"  # typos too: 'billabel', 'warraty'
    r"our (own )?(bug|mistake|error|fault)|we (introduced|broke|caused)|(agreed|promised) "
    r"not to (bill|charge)|not billing|no charge agreed|free of charge|on the house)\b"
)
WORK = re.compile(
    r"\b(built|build\w*|moved|migrat\w*|reconcil\w*|rework\w*|sent|deliver\w*|draft\w*|"
    r"design\w*|implement\w*|configur\w*|test\w*|sampl\w*|traced|interview\w*|wrote|"
    r"writ\w*|load\w*|creat\w*|prepar\w*|deploy\w*|analy[sz]\w*|review\w* with|workshop\w*|"
    r"present\w*|set up|fix\w*)\b"
)
NEW_ASK = re.compile(
    r"\b(asked (us|me) to( also)?|also (want|wants|asked|need|needs)|wants? (a|an|us|me)|"
    r"asked (us|me) for|requested|extra|additional|on top of|new request|change request|"
    r"out of scope|not in (the )?sow|beyond (the )?scope|side (request|job|project)|"
    r"favou?r|helped \w+(\W\w+)? (pick|choose|select|find))\b"
)
CLAIM = re.compile(
    r"\b(done|delivered|shipped|handed over|handover complete|sent (the |our |a )?\w+( \w+)?"
    r"( \w+)? to|submitted|signed off|went live|go.?live|launched|completed|finished|"
    r"wrapped up|released|is live|live now)\b"
)
ONGOING = re.compile(
    r"\b(still|again|continu\w*|rework\w*|rewr\w*|redo\w*|re-?do\w*|another round|"
    r"v\d+|revis\w*|more fixes|follow.?up|ongoing|re-?open\w*)\b"
)
STATED = re.compile(r"\b(\d+(?:\.\d+)?)\s?(?:h|hrs?|hours)\b")
STATED_PHRASES = (
    (re.compile(r"\b(whole|all|full|entire) day\b"), Decimal(8)),
    (re.compile(r"\b(whole|all|entire) afternoon\b"), Decimal(4)),
    (re.compile(r"\b(whole|all|entire) morning\b"), Decimal("3.5")),
)
DONE = ("complete", "completed", "accepted")
MODEL = kinds.LOCAL_MODEL


def _lower(text: str | None) -> str:
    return (text or "").lower()


def _entry_facts(e: dict) -> dict:
    return {
        "entry_id": e["entry_id"],
        "person_id": e["person_id"],
        "date": str(e["date"]),
        "hours": str(e["hours"]),
        "project_id": e["project_id"],
        "sow_line_id": e["sow_line_id"],
        "billable": e["billable"],
        "notes": e["notes"],
    }


def _finding(
    kind: str, ref: str, detail: str, confidence: float, evidence: dict, e: dict | None, period: str
) -> kinds.ReviewFinding:
    return kinds.ReviewFinding(
        kind,
        ref,
        detail,
        min(confidence, 0.95),
        MODEL,
        evidence,
        project_id=e["project_id"] if e else evidence.get("project_id"),
        client_id=e["client_id"] if e else None,
        period=period,
    )


def leakage(data: ReviewInput) -> list[kinds.ReviewFinding]:
    out = []
    for e in data.entries:
        if e["is_internal"] or e["billable"]:
            continue
        note = _lower(e["notes"])
        if EXCUSE.search(note):
            continue
        billable_words = set().union(
            *[
                stems(f"{s['description']} {s['code']}")
                for s in data.lines_of(e["project_id"])
                if s["billable"]
            ]
        )
        shared = sorted(stems(note) & billable_words)
        work = WORK.search(note)
        if not shared and not work:
            continue
        confidence = 0.55 + (0.2 if shared else 0) + (0.15 if work else 0)
        why = (
            f"words of a billable SOW line ({', '.join(shared)})"
            if shared
            else f"a work verb ('{work.group(0)}')"
        )
        out.append(
            _finding(
                kinds.LEAKAGE,
                e["entry_id"],
                f"entry {e['entry_id']} ({e['hours']} h, {e['project_name']}) is non-billable but "
                f'its note describes client work: "{e["notes"]}"',
                confidence,
                {"entry": _entry_facts(e), "why": f"the note has {why} and no reason not to bill"},
                e,
                str(e["date"])[:7],
            )
        )
    return out


def scope_creep(data: ReviewInput) -> list[kinds.ReviewFinding]:
    out = []
    for e in data.entries:
        lines = data.lines_of(e["project_id"])
        if e["is_internal"] or not e["billable"] or not lines:
            continue
        note = _lower(e["notes"])
        ask = NEW_ASK.search(note)
        scope = set().union(*[stems(f"{s['description']} {s['code']} {s['phase']}") for s in lines])
        if not ask or stems(note) & scope:
            continue
        out.append(
            _finding(
                kinds.SCOPE_CREEP,
                e["entry_id"],
                f"entry {e['entry_id']} ({e['hours']} h, {e['project_name']}) describes work none "
                f'of the project\'s SOW lines covers: "{e["notes"]}"',
                0.7,
                {
                    "entry": _entry_facts(e),
                    "sow_lines": [s["sow_line_id"] for s in lines],
                    "why": f"a new ask ('{ask.group(0)}') sharing no word with the SOW",
                },
                e,
                str(e["date"])[:7],
            )
        )
    return out


def _names(milestone: dict, note_stems: set[str]) -> bool:
    """The note names the milestone: at least half its words (and at least one)."""
    words = stems(milestone["name"])
    return bool(words) and len(words & note_stems) >= max(1, math.ceil(len(words) / 2))


def milestone_mismatch(data: ReviewInput) -> list[kinds.ReviewFinding]:
    found: dict[str, tuple[kinds.ReviewFinding, list]] = {}
    for e in data.entries:
        note = _lower(e["notes"])
        note_stems = stems(note)
        for m in data.milestones_of(e["project_id"]):
            if not _names(m, note_stems):
                continue
            done = m["status"] in DONE
            if not done and CLAIM.search(note):
                why = f"the note claims '{m['name']}' is delivered; the milestone is {m['status']}"
            elif (
                done
                and m["done_on"] is not None
                and e["date"] > m["done_on"] + timedelta(days=1)
                and ONGOING.search(note)
            ):
                why = (
                    f"'{m['name']}' was marked {m['status']} on {m['done_on']}; this note of "
                    f"{e['date']} says work on it goes on"
                )
            else:
                continue
            if m["milestone_id"] in found:
                found[m["milestone_id"]][1].append(_entry_facts(e))
                continue
            evidence = {
                "milestone": {k: str(v) if v is not None else None for k, v in m.items()},
                "why": why,
                "entries": [_entry_facts(e)],
            }
            found[m["milestone_id"]] = (
                _finding(
                    kinds.MILESTONE_MISMATCH,
                    m["milestone_id"],
                    f"milestone {m['milestone_id']} '{m['name']}' ({m['status']}): {why}",
                    0.7,
                    evidence,
                    e,
                    str(e["date"])[:7],
                ),
                evidence["entries"],
            )
    return [f for f, _ in found.values()]


def _stated_hours(note: str) -> Decimal | None:
    stated = [Decimal(m.group(1)) for m in STATED.finditer(note)]
    stated += [hours for pattern, hours in STATED_PHRASES if pattern.search(note)]
    return max(stated) if stated else None


def under_reporting(data: ReviewInput, gap_hours: Decimal) -> list[kinds.ReviewFinding]:
    found: dict[str, kinds.ReviewFinding] = {}
    for d in data.days:
        gap = Decimal(d["calendar_hours"]) - Decimal(d["logged_hours"])
        if gap < gap_hours:
            continue
        ref = f"{d['person_id']}:{d['day']}"
        events = [
            {k: str(v) if v is not None else None for k, v in ev.items()}
            for ev in d["events"] or []
        ]
        found[ref] = _finding(
            kinds.UNDER_REPORTING,
            ref,
            f"{d['person']} was busy {d['calendar_hours']} h in meetings on {d['day']} but "
            f"logged {d['logged_hours']} h",
            0.6 + min(0.3, float(gap) / 10),
            {
                "person_id": d["person_id"],
                "date": str(d["day"]),
                "calendar_hours": str(d["calendar_hours"]),
                "logged_hours": str(d["logged_hours"]),
                "events": events,
                "why": "calendar",
            },
            None,
            str(d["day"])[:7],
        )
    for e in data.entries:
        stated = _stated_hours(_lower(e["notes"]))
        day_logged = Decimal(e["day_hours"])
        ref = f"{e['person_id']}:{e['date']}"
        if stated is None or stated - day_logged < gap_hours or ref in found:
            continue
        found[ref] = _finding(
            kinds.UNDER_REPORTING,
            ref,
            f"{e['person']}'s note of {e['date']} says about {stated} h of work but the day "
            f'logs {day_logged} h: "{e["notes"]}"',
            0.65,
            {
                "person_id": e["person_id"],
                "date": str(e["date"]),
                "stated_hours": str(stated),
                "logged_hours": str(day_logged),
                "entry": _entry_facts(e),
                "why": "note",
            },
            e,
            str(e["date"])[:7],
        )
    return list(found.values())


def review(data: ReviewInput, gap_hours: Decimal = Decimal(1)) -> list[kinds.ReviewFinding]:
    """Every local finding of the window, ordered by kind and ref."""
    found = (
        leakage(data)
        + scope_creep(data)
        + milestone_mismatch(data)
        + under_reporting(data, gap_hours)
    )
    return sorted(found, key=lambda f: (f.kind, f.ref))
