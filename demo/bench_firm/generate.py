"""Generates the second benchmark firm (seeded, deterministic): Halden & Rowe, 30 people,
approved history January–September 2026 and an unlabelled October whose answers are kept
aside. People keep their own habits: a nickname for each project, personal shorthand, case,
vague notes that mean "my main project", tickets under prefixes that are not project codes.
October brings contacts, products and wording never written before, and no October note is a
copy of a history note (copies are re-drawn; the overlap before that is reported)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from demo.bench_firm import vocabulary as v

FIRST_DAY, TEST_DAY, LAST_DAY = date(2026, 1, 5), date(2026, 10, 1), date(2026, 10, 30)
PEOPLE = 30
FIRM_CLIENT = "HR-0"
NEW_PROJECT_START = date(2026, 8, 17)  # Grid Data Hub: thin history when October comes
_WORD = re.compile(r"[a-z0-9äöüßéèáíóúñ]+")
_DIGITS = re.compile(r"\d+")
ROLES = (
    ("Data engineer", "Data", ("DATA", "ARCH", "CARE", "ANLT")),
    ("Analyst", "Analytics", ("ANLT", "DATA", "PROC")),
    ("Change consultant", "Change", ("CHNG", "TRNG", "PROC")),
    ("Process consultant", "Operations", ("PROC", "CHNG", "PMO")),
    ("Engagement manager", "Delivery", ("PMO", "CHNG", "PROC", "ANLT")),
)
FIRST = (
    "Aoife",
    "Bilal",
    "Chiara",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kavya",
    "Lars",
    "Maya",
    "Nico",
    "Orla",
    "Pavel",
    "Quinn",
    "Rhea",
    "Sol",
    "Tariq",
    "Uma",
    "Viktor",
    "Wen",
    "Xavi",
    "Yara",
    "Zeb",
    "Anouk",
    "Bruno",
    "Cleo",
    "Dario",
)
LAST = (
    "Brennan",
    "Castell",
    "Dunmore",
    "Eskildsen",
    "Farrow",
    "Gallo",
    "Hartigan",
    "Iqbal",
    "Jovanovic",
    "Kerr",
)


@dataclass
class Project:
    project_id: str
    name: str
    code: str
    client_id: str
    client_name: str
    typed: str  # how people type the client
    ticket: str | None
    line_types: tuple[str, ...]
    pools: dict[str, tuple[str, ...]]
    start: date
    internal: bool = False

    def line(self, kind: str) -> str:
        return f"{self.project_id}-{kind}"


@dataclass
class Person:
    person_id: str
    name: str
    role: str
    team: str
    skills: tuple[str, ...]
    shorthand: dict[str, str]
    case: str
    vague_rate: float
    ticket_rate: float
    nick_rate: float
    nicknames: dict[str, str] = field(default_factory=dict)
    stints: list[tuple[date, date, str, str | None]] = field(default_factory=list)


@dataclass
class Firm:
    files: dict[str, str]
    truth: pl.DataFrame  # entry_id, project_id, sow_line_id, billable, work_type (October)
    expense_truth: pl.DataFrame  # expense_id, project_id, split
    stats: dict

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder


def normalize(note: str) -> str:
    """As rules/classify/features.normalize: lower-case, numbers collapsed."""
    return _DIGITS.sub("0", note.lower()).strip()


def _projects() -> list[Project]:
    out, n = [], 0
    for c, (client, (typed, projects)) in enumerate(v.CLIENTS.items(), start=1):
        for name, code, ticket, kinds, systems, who, objects in projects:
            n += 1
            start = NEW_PROJECT_START if name == "Grid Data Hub" else date(2026, 1, 1)
            pools = {"sys": systems, "who": who, "obj": objects}
            out.append(
                Project(
                    f"BP-{n}", name, code, f"HR-{c}", client, typed, ticket, kinds, pools, start
                )
            )
    for kind, (name, code, _desc, _h, _t) in v.INTERNAL.items():
        out.append(
            Project(
                f"BP-{kind}",
                name,
                code,
                FIRM_CLIENT,
                "Halden & Rowe",
                "",
                None,
                (kind,),
                {},
                date(2025, 1, 1),
                internal=True,
            )
        )
    return out


def _nickname(rng: random.Random, project: Project) -> str:
    words = project.name.lower().split()
    options = (
        project.typed,
        project.typed[:3],
        words[0],
        words[0][:4],
        "".join(w[0] for w in words),
        f"{project.typed[:3]}-{words[0][:3]}",
    )
    return rng.choice(options)


def _people(rng: random.Random, projects: list[Project]) -> list[Person]:
    client = [p for p in projects if not p.internal]
    people = []
    for i in range(PEOPLE):
        role, team, skills = ROLES[i % len(ROLES)]
        habits = rng.sample(sorted(v.SHORTHAND), rng.randint(0, 7))
        person = Person(
            f"HP-{i + 1}",
            f"{FIRST[i]} {LAST[i % len(LAST)]}",
            role,
            team,
            skills,
            {w: v.SHORTHAND[w] for w in habits},
            rng.choice(("lower", "lower", "as is", "upper")),
            rng.choice((0.03, 0.08, 0.15)),
            rng.choice((0.0, 0.2, 0.5)),
            rng.choice((0.0, 0.3, 0.7)),
        )
        person.nicknames = {p.project_id: _nickname(rng, p) for p in client}
        fit = [p for p in client if set(p.line_types) & set(skills)]
        day, seen = FIRST_DAY, []
        while day <= LAST_DAY:
            end = day + timedelta(days=rng.choice((56, 84, 112)))
            open_ = [p for p in fit if p.start <= day + timedelta(days=14)]
            back = [p for p in open_ if p.project_id in seen]
            main = rng.choice(back if back and rng.random() < 0.5 else open_)
            others = [p for p in open_ if p is not main]
            second = rng.choice(others).project_id if others and rng.random() < 0.6 else None
            person.stints.append((max(day, main.start), end, main.project_id, second))
            seen += [main.project_id, second or ""]
            day = end
        people.append(person)
    return people


def _habit(rng: random.Random, person: Person, note: str, project: Project | None) -> str:
    words = note.split(" ")
    note = " ".join(person.shorthand.get(w, w) for w in words)
    if project is not None and not project.internal and rng.random() < person.nick_rate:
        note = rng.choice(("{n}: {t}", "[{n}] {t}", "{n} - {t}", "{t} ({n})")).format(
            n=person.nicknames[project.project_id], t=note
        )
    if person.case == "upper" and rng.random() < 0.5:
        note = note[:1].upper() + note[1:]
    elif person.case == "as is" and rng.random() < 0.3:
        note = note.title()
    return note


def _fill(
    rng: random.Random,
    template: str,
    project: Project,
    test: bool,
    person: Person,
    people: list[Person],
) -> str:
    def pool(name: str) -> tuple[str, ...]:
        values = project.pools[name]
        return values if test else values[:-2]

    clients = [c.lower() for c in v.CLIENTS] + [t for t, _ in v.CLIENTS.values()]
    prospects = v.PROSPECTS + (v.NEW_PROSPECTS if test else ())
    techs = v.TECHS + (v.NEW_TECHS if test else ())
    ticket = ""
    if project.ticket and rng.random() < max(person.ticket_rate, 0.15):
        ticket = f"{project.ticket}-{rng.randint(10, 950)}"
        ticket = ticket.lower() if rng.random() < 0.3 else ticket
    values = {
        "sys": lambda: rng.choice(pool("sys")),
        "who": lambda: rng.choice(pool("who")),
        "obj": lambda: rng.choice(pool("obj")),
        "tk": lambda: ticket,
        "client": lambda: project.typed if project.typed else rng.choice(clients),
        "prospect": lambda: rng.choice(prospects),
        "tech": lambda: rng.choice(techs),
        "mate": lambda: rng.choice(people).name.split()[0].lower(),
    }
    note = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)](), template)
    return re.sub(r"\s+", " ", note).strip(" -:")


def _stint(person: Person, day: date) -> tuple[str, str | None]:
    for start, end, main, second in person.stints:
        if start <= day < end:
            return main, second
    return person.stints[-1][2], person.stints[-1][3]


def _work_line(rng: random.Random, person: Person, project: Project) -> str:
    kinds = [k for k in project.line_types if k in person.skills] or list(project.line_types)
    weights = [3 if k == person.skills[0] else 1 for k in kinds]
    return rng.choices(kinds, weights)[0]


def _entry(rng, person, day, by_id, people, test) -> tuple[str, str, str, bool, str]:
    """(note, project_id, line type, billable, work type) of one entry."""
    main, second = _stint(person, day)
    r = rng.random()
    if r < 0.22:
        kind = rng.choices(("OPS", "BD", "LND", "PRAC"), (10, 5, 4, 3))[0]
        project = by_id[f"BP-{kind}"]
        _name, _code, _desc, hist, new = v.INTERNAL[kind]
        template = rng.choice(hist + new if test else hist)
        if kind in ("BD", "LND") and rng.random() < 0.4:  # name the person's own client
            owner = by_id[main]
            project = Project(
                project.project_id,
                project.name,
                project.code,
                project.client_id,
                project.client_name,
                owner.typed,
                None,
                project.line_types,
                {},
                project.start,
                True,
            )
        return (
            _fill(rng, template, project, test, person, people),
            project.project_id,
            kind,
            False,
            "standard",
        )
    project = by_id[second] if second and r < 0.22 + 0.2 else by_id[main]
    if project.start > day:
        project = by_id[main]
    kind = _work_line(rng, person, project)
    if rng.random() < person.vague_rate:  # the answer is the person's habit: main project
        project = by_id[main] if by_id[main].start <= day else project
        kind = _work_line(rng, person, project)
        note = rng.choice(v.VAGUE + v.NEW_VAGUE if test else v.VAGUE)
        return _habit(rng, person, note, None), project.project_id, kind, True, "standard"
    _desc, _billable, hist, new = v.LINE_TYPES[kind]
    note = _fill(rng, rng.choice(hist + new if test else hist), project, test, person, people)
    billable, work_type = True, "standard"
    if kind in ("CARE", "DATA", "ARCH") and rng.random() < 0.06:
        note, work_type = f"{note} {rng.choice(v.RUSH_CUES)}", "rush"
    elif rng.random() < 0.025:
        note, billable = f"{note} - {rng.choice(v.NO_CHARGE_CUES)}", False
    return _habit(rng, person, note, project), project.project_id, kind, billable, work_type


def _csv(header: str, rows: list[tuple]) -> str:
    def cell(x) -> str:
        s = "" if x is None else str(x).lower() if isinstance(x, bool) else str(x)
        return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n') else s

    return header + "\n" + "".join(",".join(cell(x) for x in r) + "\n" for r in rows)


def _catalog_files(projects: list[Project], people: list[Person]) -> dict[str, str]:
    clients = [(FIRM_CLIENT, "Halden & Rowe", "EUR", "internal")] + [
        (f"HR-{i}", name, "EUR", "active") for i, name in enumerate(v.CLIENTS, start=1)
    ]
    lines = []
    for p in projects:
        for kind in p.line_types:
            if p.internal:
                desc, billable = v.INTERNAL[kind][2], False
            else:
                desc, billable = v.LINE_TYPES[kind][0], v.LINE_TYPES[kind][1]
            lines.append((p.line(kind), p.project_id, kind, desc, billable))
    return {
        "firm.yaml": "name: Halden & Rowe\nbase_currency: EUR\n",
        "clients.csv": _csv("client_id,name,currency,status", clients),
        "people.csv": _csv(
            "person_id,name,role,team", [(x.person_id, x.name, x.role, x.team) for x in people]
        ),
        "projects.csv": _csv(
            "project_id,name,client_id,code,status,start_date,end_date",
            [(p.project_id, p.name, p.client_id, p.code, "active", p.start, "") for p in projects],
        ),
        "sow_lines.csv": _csv("sow_line_id,project_id,code,description,billable", lines),
        "contracts.yaml": "contracts: []\n",
    }


VENDORS = {  # vendor -> project it always books to in the history (billable)
    "Harbour Print Works": "BP-7",
    "Tidewater Catering": "BP-4",
    "Gridline Rentals": "BP-10",
    "Ward Books Ltd": "BP-5",
    "Miro": "BP-OPS",
    "Loom": "BP-OPS",
}
SPLIT = ("shared sandbox environment", "BP-1:50;BP-10:50")


def _expenses(rng: random.Random, people: list[Person]) -> tuple[list[tuple], pl.DataFrame]:
    rows, truth, n = [], [], 0
    for month in range(1, 11):
        for vendor, project in VENDORS.items():
            for _ in range(2):
                n += 1
                day = date(2026, month, rng.randint(1, 28))
                internal = project == "BP-OPS"
                desc = rng.choice(("receipt", "invoice", "monthly charge", "order"))
                test = month == 10
                rows.append(
                    (
                        f"X-{n}",
                        rng.choice(people).person_id,
                        day,
                        f"{rng.randint(20, 900)}.{rng.randint(0, 99):02d}",
                        "EUR",
                        f"{vendor.split()[0].lower()} {desc}",
                        vendor,
                        None if test else project,
                        None if test else not internal,
                        None,
                        None if test else f"{day}T18:00:00+00:00",
                    )
                )
                if test:
                    truth.append((f"X-{n}", project, None))
        n += 1
        day = date(2026, month, 15)
        test = month == 10
        rows.append(
            (
                f"X-{n}",
                people[0].person_id,
                day,
                "400.00",
                "EUR",
                f"{SPLIT[0]} {day:%B}",
                "CloudCo",
                None,
                None if test else True,
                None if test else SPLIT[1],
                None if test else f"{day}T18:00:00+00:00",
            )
        )
        if test:
            truth.append((f"X-{n}", None, SPLIT[1]))
    frame = pl.DataFrame(truth, schema=["expense_id", "project_id", "split"], orient="row")
    return rows, frame


def _stats(history: list[str], test: list[str], overlap_first: int) -> dict:
    seen = {normalize(n) for n in history}
    vocab = {w for n in history for w in _WORD.findall(n.lower())}
    words = [w for n in test for w in _WORD.findall(n.lower())]
    unseen = [w for w in words if w not in vocab]
    return {
        "history_entries": len(history),
        "test_entries": len(test),
        "test_copies_of_history_before_dedupe": overlap_first,
        "test_copies_of_history_before_dedupe_share": round(overlap_first / max(1, len(test)), 4),
        "test_copies_of_history": sum(normalize(n) in seen for n in test),
        "unseen_word_share": round(len(unseen) / max(1, len(words)), 4),
        "unseen_distinct_word_share": round(len(set(unseen)) / max(1, len(set(words))), 4),
    }


def generate(seed: int = 11) -> Firm:
    """The firm's canonical files, October's answer key and the benchmark's honesty figures."""
    rng = random.Random(seed)
    projects = _projects()
    by_id = {p.project_id: p for p in projects}
    people = _people(rng, projects)
    rows, truth, history, test_notes, seen, copies, n = [], [], [], [], set(), 0, 0
    day = FIRST_DAY
    while day <= LAST_DAY:
        if day.weekday() < 5:
            test = day >= TEST_DAY
            for person in people:
                k = rng.choice((2, 3, 3, 4))
                hours = [8 / k] * k
                for h in hours:
                    note, project_id, kind, billable, work_type = _entry(
                        rng, person, day, by_id, people, test
                    )
                    if test:
                        tries = 0
                        if normalize(note) in seen:
                            copies += 1
                        while normalize(note) in seen and tries < 30:
                            tries += 1
                            note, project_id, kind, billable, work_type = _entry(
                                rng, person, day, by_id, people, test
                            )
                        if normalize(note) in seen:
                            continue  # no new wording found: the entry is left out
                    n += 1
                    entry_id = f"HE-{n:06d}"
                    line = by_id[project_id].line(kind)
                    billable = billable and not by_id[project_id].internal
                    if test:
                        truth.append((entry_id, project_id, line, billable, work_type))
                        test_notes.append(note)
                        rows.append(
                            (
                                entry_id,
                                person.person_id,
                                day,
                                f"{h:.2f}",
                                None,
                                None,
                                note,
                                None,
                                None,
                                None,
                            )
                        )
                    else:
                        seen.add(normalize(note))
                        history.append(note)
                        rows.append(
                            (
                                entry_id,
                                person.person_id,
                                day,
                                f"{h:.2f}",
                                project_id,
                                line,
                                note,
                                billable,
                                work_type,
                                f"{day}T18:00:00+00:00",
                            )
                        )
        day += timedelta(days=1)
    files = _catalog_files(projects, people)
    files["time_entries.csv"] = _csv(
        "entry_id,person_id,date,hours,project_id,sow_line_id,notes,billable,work_type,approved_at",
        rows,
    )
    expense_rows, expense_truth = _expenses(rng, people)
    files["expenses.csv"] = _csv(
        "expense_id,person_id,date,amount,currency,description,vendor,project_id,billable,"
        "split,approved_at",
        expense_rows,
    )
    frame = pl.DataFrame(
        truth,
        orient="row",
        schema={
            "entry_id": pl.String,
            "project_id": pl.String,
            "sow_line_id": pl.String,
            "billable": pl.Boolean,
            "work_type": pl.String,
        },
    )
    return Firm(files, frame, expense_truth, _stats(history, test_notes, copies))
