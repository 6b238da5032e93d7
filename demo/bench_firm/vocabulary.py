"""The second firm's words: clients and their projects, SOW line types with the activity words
people use for them, and the internal work. Each list is split in two: what people wrote during
the history, and what is new in the test month (new contacts, products and wording), so the
benchmark measures generalisation rather than memory. Nothing here comes from demo."""

from __future__ import annotations

# line type -> (SOW line description, billable, history templates, test-only templates).
# Placeholders: {sys} a system of the project, {who} a client contact, {obj} a work object,
# {tech} a technology, {client} the client's name as people type it, {tk} a ticket key.
LINE_TYPES: dict[str, tuple[str, bool, tuple[str, ...], tuple[str, ...]]] = {
    "DATA": (
        "Data engineering",
        True,
        (
            "{sys} pipeline load",
            "dbt models for {obj}",
            "fix {sys} ingestion",
            "{obj} backfill",
            "{tk} {sys} loader",
            "sql transforms {obj}",
            "{sys} jobs failing again",
        ),
        (
            "schema drift in {sys}",
            "airflow dag for {obj}",
            "reconcile {obj} row counts",
            "incremental loads {sys}",
            "{tk} dedupe logic",
        ),
    ),
    "ANLT": (
        "Analytics and reporting",
        True,
        (
            "dashboard {obj}",
            "kpi definitions with {who}",
            "{obj} report refresh",
            "{tk} chart fixes",
            "metrics review {who}",
            "{obj} drilldowns",
        ),
        (
            "tableau workbook {obj}",
            "metric tree for {obj}",
            "exec scorecard {who}",
            "{tk} filter bug",
        ),
    ),
    "CHNG": (
        "Change management",
        True,
        (
            "comms plan {obj}",
            "stakeholder map with {who}",
            "training needs analysis {obj}",
            "change impact {obj}",
            "champions network call",
            "faq for {obj} rollout",
        ),
        (
            "town hall script {obj}",
            "readiness survey {who}",
            "resistance log {obj}",
            "super users session",
        ),
    ),
    "PROC": (
        "Process redesign",
        True,
        (
            "as-is mapping {obj}",
            "swimlanes {obj}",
            "workshop with {who} on {obj}",
            "to-be process {obj}",
            "handoff pain points {obj}",
        ),
        (
            "value stream walk {obj}",
            "sipoc for {obj}",
            "kaizen prep {who}",
            "cycle time study {obj}",
        ),
    ),
    "PMO": (
        "Project management",
        True,
        (
            "status with {who}",
            "raid log",
            "steerco prep",
            "plan update",
            "weekly {client} sync",
            "budget burn check",
            "resourcing",
        ),
        ("milestone replan", "{client} governance pack", "dependency tracker", "catchup {who}"),
    ),
    "TRNG": (
        "Training delivery",
        True,
        (
            "deliver {obj} course to {client} staff",
            "course materials {obj}",
            "train the trainer {who}",
            "{obj} e-learning module",
        ),
        ("classroom session {obj} cohort", "quiz bank {obj}", "{client} trainee feedback"),
    ),
    "ARCH": (
        "Solution architecture",
        True,
        (
            "target architecture {sys}",
            "adr for {sys}",
            "integration design {sys} {who}",
            "{tk} api contract",
            "{sys} sizing",
        ),
        ("event model {sys}", "cutover runbook {sys}", "{tk} auth flow"),
    ),
    "CARE": (
        "Hypercare support",
        True,
        ("hypercare {sys} tickets", "incident on {sys}", "{tk} user issue", "{sys} patch"),
        ("{sys} alert triage", "{tk} regression after patch", "{who} escalated {sys} error"),
    ),
}

# Internal line type -> (project name, code, SOW line description, history, test-only).
INTERNAL: dict[str, tuple[str, str, str, tuple[str, ...], tuple[str, ...]]] = {
    "OPS": (
        "Firm operations",
        "OPS",
        "Operations and admin",
        (
            "timesheets",
            "expenses",
            "all hands",
            "1:1 with {mate}",
            "admin",
            "inbox zero",
            "team meeting",
        ),
        (
            "filling in hours",
            "quarterly okr admin",
            "laptop setup",
            "payroll questions",
            "office move logistics",
        ),
    ),
    "BD": (
        "Business development",
        "BD",
        "Presales and proposals",
        (
            "proposal for {prospect}",
            "pitch {client} phase 2",
            "rfi answers {prospect}",
            "bid review {prospect}",
            "sow draft {prospect}",
        ),
        (
            "orals prep {prospect}",
            "pricing model for {client} renewal",
            "reference call for {prospect}",
            "{client} upsell deck",
        ),
    ),
    "LND": (
        "Learning and development",
        "LND",
        "Training and certification",
        ("course: {tech}", "cert study {tech}", "{tech} tutorial", "conference {tech} talks"),
        (
            "{tech} workshop (learning)",
            "reading group {tech}",
            "training on {tech} for the {client} gig",
            "exam practice {tech}",
        ),
    ),
    "PRAC": (
        "Practice building",
        "PRAC",
        "Practice development",
        ("playbook writing", "internal accelerator", "methods wiki", "case study {client}"),
        ("template library cleanup", "knowledge base article", "reusable {tech} starter kit"),
    ),
}

# Client -> (how people type it, projects: (name, code, ticket prefix, line types, systems,
# contacts, objects); each pool's first part is history, the last two are new in the test).
CLIENTS: dict[str, tuple[str, tuple]] = {
    "Orion Freight": (
        "orion",
        (
            (
                "Freight Data Platform",
                "OFDP",
                "FDP",
                ("DATA", "ARCH", "PMO"),
                ("tms", "yard feed", "edi hub", "carrier api", "manifests db", "railhub"),
                ("dana", "luis", "kofi", "mirela", "tomasz"),
                ("shipments", "tariffs", "pallet scans", "dock slots", "fuel surcharges", "lanes"),
            ),
            (
                "Depot Process Study",
                "ODPS",
                None,
                ("PROC", "CHNG"),
                ("wms", "handhelds", "gate app", "cross dock board"),
                ("dana", "jorge", "abena", "priyanka"),
                ("depot intake", "returns", "night shift", "picking", "loading bay"),
            ),
        ),
    ),
    "Nimbus Health": (
        "nimbus",
        (
            (
                "Clinical Reporting",
                "NCR",
                "CR",
                ("ANLT", "DATA", "PMO"),
                ("epic extract", "bed board", "lab feed", "pharmacy db", "theatre sched"),
                ("dr okafor", "sue", "haruto", "lene", "marisol"),
                ("readmissions", "wait times", "bed occupancy", "discharge", "no-shows", "triage"),
            ),
            (
                "EHR Rollout Readiness",
                "NEHR",
                "EHRR",
                ("CHNG", "TRNG"),
                ("ehr", "order sets", "eMAR"),
                ("sue", "ward managers", "ines", "bogdan"),
                ("nurse onboarding", "charting", "order entry", "med admin", "handover notes"),
            ),
        ),
    ),
    "Bramble Foods": (
        "bramble",
        (
            (
                "Demand Forecasting",
                "BDF",
                "DF",
                ("DATA", "ANLT"),
                ("sap bw", "pos feed", "promo calendar", "weather api", "forecast svc"),
                ("mo", "ayla", "fergus", "yusuf"),
                ("sku forecasts", "promo uplift", "seasonality", "stockouts", "bakery lines"),
            ),
        ),
    ),
    "Tessellate Bank": (
        "tessellate",
        (
            (
                "Branch Process Redesign",
                "TBPR",
                None,
                ("PROC", "PMO", "CHNG"),
                ("teller app", "crm", "queue system", "kyc portal"),
                ("rachel", "the coo", "anand", "grete", "wim"),
                ("account opening", "loan intake", "kyc refresh", "cash handling", "complaints"),
            ),
            (
                "Core Banking Hypercare",
                "TCBH",
                "CBH",
                ("CARE", "ARCH"),
                ("core ledger", "payments gw", "batch scheduler", "statements svc"),
                ("rachel", "ops desk", "nils", "zainab"),
                ("eod batch", "standing orders", "fx rates", "statement runs"),
            ),
        ),
    ),
    "Quarry Mutual": (
        "quarry",
        (
            (
                "Claims Analytics",
                "QCA",
                "QCA",
                ("ANLT", "DATA", "TRNG"),
                ("claims dw", "guidewire", "fraud model", "adjuster app"),
                ("helga", "tunde", "caro", "matteo"),
                ("claims leakage", "cycle times", "fraud flags", "reserves", "subrogation"),
            ),
        ),
    ),
    "Helix Retail": (
        "helix",
        (
            (
                "Store Ops Transformation",
                "HSOT",
                None,
                ("CHNG", "PROC", "TRNG", "PMO"),
                ("store portal", "rostering tool", "planogram app"),
                ("gemma", "area managers", "olu", "fatima", "ken"),
                ("click and collect", "rostering", "shrinkage", "replenishment", "till process"),
            ),
        ),
    ),
    "Lumen Energy": (
        "lumen",
        (
            (
                "Grid Data Hub",
                "LGDH",
                "GDH",
                ("DATA", "ARCH", "CARE"),
                ("scada feed", "meter lake", "outage api", "asset registry"),
                ("ivo", "rosa", "dmitri", "amara"),
                ("smart meters", "outage events", "asset health", "load curves", "feeder data"),
            ),
        ),
    ),
}

PROSPECTS = (
    "Kestrel Labs",
    "Arbor Insurance",
    "Pinnacle Ports",
    "Sable Pharma",
    "Corvid Media",
    "Marlow Water",
    "Juniper Telecom",
    "Ostrava Steel",
)
TECHS = (
    "dbt",
    "airflow",
    "power bi",
    "snowflake",
    "prosci",
    "lean six sigma",
    "python",
    "terraform",
    "looker",
    "kafka",
    "spark",
    "figjam",
)
NEW_TECHS = ("duckdb", "dagster", "sigma computing", "adkar")
NEW_PROSPECTS = ("Halcyon Rail", "Brightwater Council", "Tamsin Foods")

# Words people shorten (each person has a few of these habits).
SHORTHAND = {
    "with": "w/",
    "meeting": "mtg",
    "review": "rvw",
    "workshop": "wkshp",
    "analysis": "anlys",
    "stakeholder": "stkh",
    "pipeline": "ppl",
    "dashboard": "dash",
    "report": "rpt",
    "update": "upd",
    "prep": "prp",
    "process": "proc",
    "architecture": "arch",
    "training": "trng",
    "course": "crs",
    "proposal": "prop",
    "for": "4",
    "and": "+",
    "mapping": "map",
    "materials": "mats",
    "incident": "inc",
    "definitions": "defs",
}
VAGUE = (
    "misc",
    "cont.",
    "as yesterday",
    "follow ups",
    "calls",
    "emails + calls",
    "wip",
    "bits and pieces",
    "catch up",
    "same as mon",
    "tidying up",
    "more of the same",
    "notes",
    "general",
    "continued",
)
NEW_VAGUE = ("odds and ends", "sundry", "carry on", "ongoing stuff")
RUSH_CUES = ("pager", "after hours", "hot fix", "weekend push", "sev-2")
NO_CHARGE_CUES = ("goodwill", "our error - redo", "warranty work", "not to be billed")
