"""The local review: the firm's own history, a few cue words and word overlap, no model. It
runs when no Anthropic key is configured (and for any request the API could not answer), and
says so in every finding's `model`. Cheap and explainable; what it learns from the firm's
history (history.py) is what lets it read notes other people wrote:

- leakage: a non-billable entry (or one on a no-charge SOW line) of a client project with no
  excuse in its note — none of the seed reasons (internal, warranty, our own bug, agreed not
  to bill, ...) and none of the words the firm mostly writes on unbilled client entries — whose
  words were billed at least `BILLED_SHARE` of the time in the history; with too little history
  for its words, a note describing work (a work verb, or words of a billable SOW line);
- scope creep: a billable entry whose words fit none of the project's SOW lines and mostly
  fall outside what the project's billed notes (its names, its milestones) talk about: half of
  them when the note relays an ask (asked us to, wants a, could we, side request, ...), three
  quarters and at least three new words when it does not — the ask list cannot know every
  wording, the project's history can (only with `RICH_HISTORY` billed notes behind it);
- milestone mismatch: a note claiming a deliverable (done, delivered, sent ... to, went live,
  ...) that names at least half the words of a milestone still planned; or, any day after a
  milestone was marked done (the next day too), notes that name it with words of work going
  on (still, again, v3, rework, ...);
- under-reporting: a day whose calendar (events not cancelled, overlaps merged) is busy at
  least `gap_hours` more than the hours logged, or a note stating a longer time (a count like
  "3 hours", "the whole day", a clock span like "7am to 7pm": hours.py) than the day logs."""

from __future__ import annotations

import math
import re
from decimal import Decimal

from rules.llm_review import kinds
from rules.llm_review.data import ReviewInput
from rules.llm_review.history import RICH_HISTORY
from rules.llm_review.hours import stated_hours
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
# how people relay an ask: the list written before any planted case was seen (issue 15); an
# ask worded otherwise is judged by its fit to the project alone (scope_creep)
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
DONE = ("complete", "completed", "accepted")
BILLED_SHARE = 0.8  # leakage: the note's words were billed at least this share of the time
FIT_SHARE = 0.5  # scope creep: an ask fits the project when this share of its words is known
ALONE_SHARE = 0.25  # ... a note with no ask: when this share is known (or more), it fits
ALONE_NEW = 3  # ... and it needs at least this many words the project never billed
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


def _leak_reason(data: ReviewInput, e: dict, note: str) -> tuple[str, float] | None:
    """Why a non-billable client entry looks like leakage, with a confidence; None when its
    note gives a reason (seed or learnt) or nothing suggests billable work."""
    if EXCUSE.search(note):
        return None
    note_stems = stems(note)
    if data.history.excuses(e, note_stems):
        return None
    share, words = data.history.billed_share(e, note_stems)
    if share is not None:
        if share < BILLED_SHARE:
            return None
        known = ", ".join(f"{w} {c}" for w, c in words.items())
        coverage = len(words) / max(1, len(note_stems))
        why = f"its words were billed {share:.0%} of the time in the firm's history ({known})"
        return why, 0.6 + 0.3 * coverage
    billable_words = set().union(
        *[
            stems(f"{s['description']} {s['code']}")
            for s in data.lines_of(e["project_id"])
            if s["billable"]
        ]
    )
    shared = sorted(note_stems & billable_words)
    work = WORK.search(note)
    if not shared and not work:
        return None
    why = (
        f"words of a billable SOW line ({', '.join(shared)})"
        if shared
        else f"a work verb ('{work.group(0)}')"
    )
    return f"the note has {why}", 0.55 + (0.2 if shared else 0) + (0.15 if work else 0)


def leakage(data: ReviewInput) -> list[kinds.ReviewFinding]:
    out = []
    for e in data.entries:
        if e["is_internal"] or e["billable"]:
            continue
        reason = _leak_reason(data, e, _lower(e["notes"]))
        if reason is None:
            continue
        why, confidence = reason
        out.append(
            _finding(
                kinds.LEAKAGE,
                e["entry_id"],
                f"entry {e['entry_id']} ({e['hours']} h, {e['project_name']}) is non-billable but "
                f'its note describes client work: "{e["notes"]}"',
                confidence,
                {"entry": _entry_facts(e), "why": f"{why}, and no reason not to bill"},
                e,
                str(e["date"])[:7],
            )
        )
    return out


def _project_words(data: ReviewInput, e: dict) -> tuple[set[str], set[str]]:
    """The words of the project's SOW lines (description, code, phase) — what the statement of
    work covers — and of its, its client's and its milestones' names."""
    scope = set().union(
        *[
            stems(f"{s['description']} {s['code']} {s['phase']}")
            for s in data.lines_of(e["project_id"])
        ]
    )
    names = stems(f"{e['project_name'] or ''} {e['client_name'] or ''}")
    names |= set().union(*[stems(m["name"]) for m in data.milestones_of(e["project_id"])])
    return scope, names


def _fit(
    data: ReviewInput,
    e: dict,
    note: str,
    ask: re.Match | None,
    project_words: tuple[set[str], set[str]],
) -> tuple[float, set[str]] | None:
    """How well the note (less its ask) fits the project: None when a word of it is a SOW
    line's, else the share of its words the project's billed notes, its and its client's
    names or its milestones use, and the words none of them use."""
    words = stems(note)
    if ask is not None:
        words = stems(note[: ask.start()] + " " + note[ask.end() :]) - stems(ask.group(0))
    scope, names = project_words
    if words & scope:
        return None
    known = {w for w in words if w in names or data.history.in_vocabulary(e, w)}
    share = len(known) / len(words) if words else 1.0
    return share, words - known


def scope_creep(data: ReviewInput) -> list[kinds.ReviewFinding]:
    out = []
    per_project: dict[str, tuple[list[dict], tuple[set[str], set[str]]]] = {}
    for e in data.entries:
        if e["project_id"] not in per_project:
            per_project[e["project_id"]] = (data.lines_of(e["project_id"]), _project_words(data, e))
        lines, project_words = per_project[e["project_id"]]
        if e["is_internal"] or not e["billable"] or not lines:
            continue
        note = _lower(e["notes"])
        ask = NEW_ASK.search(note)
        fit = _fit(data, e, note, ask, project_words)
        if fit is None:
            continue
        share, new = fit
        if ask is not None:
            if share >= FIT_SHARE:
                continue
            confidence = 0.6 + 0.3 * (1 - share)
            how = f"an ask ('{ask.group(0)}') whose words fit no SOW line"
        else:  # no ask in the words: the project's own history has to say it is new work
            if (
                share >= ALONE_SHARE
                or len(new) < ALONE_NEW
                or data.history.project_billed(e) < RICH_HISTORY
            ):
                continue
            confidence = 0.55
            how = "words that fit no SOW line"
        unknown = ", ".join(sorted(new))
        out.append(
            _finding(
                kinds.SCOPE_CREEP,
                e["entry_id"],
                f"entry {e['entry_id']} ({e['hours']} h, {e['project_name']}) describes work none "
                f'of the project\'s SOW lines covers: "{e["notes"]}"',
                confidence,
                {
                    "entry": _entry_facts(e),
                    "sow_lines": [s["sow_line_id"] for s in lines],
                    "why": (
                        f"{how}, and {share:.0%} of them the project's billed notes use "
                        f"(new: {unknown})"
                    ),
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
                and e["date"] > m["done_on"]
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
        stated = stated_hours(e["notes"])
        day_logged = Decimal(e["day_hours"])
        ref = f"{e['person_id']}:{e['date']}"
        if stated is None or stated.hours - day_logged < gap_hours or ref in found:
            continue
        found[ref] = _finding(
            kinds.UNDER_REPORTING,
            ref,
            f"{e['person']}'s note of {e['date']} says about {stated.hours} h of work "
            f'({stated.how}) but the day logs {day_logged} h: "{e["notes"]}"',
            0.55 if stated.assumed_start else 0.65,
            {
                "person_id": e["person_id"],
                "date": str(e["date"]),
                "stated_hours": str(stated.hours),
                "stated_as": stated.how,
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
