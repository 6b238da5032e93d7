"""The review pass's finding kinds: what each one's ref names, how the Exceptions page says it
in plain words, its severity and the action it suggests."""

from __future__ import annotations

from dataclasses import dataclass, field

SOURCE = "review"
LEAKAGE = "review_leakage"
SCOPE_CREEP = "review_scope_creep"
MILESTONE_MISMATCH = "review_milestone_mismatch"
UNDER_REPORTING = "review_under_reporting"
KINDS = (LEAKAGE, SCOPE_CREEP, MILESTONE_MISMATCH, UNDER_REPORTING)
# the kind names the model answers with (the tool's enum), and the queue kind of each
SHORT = {
    "leakage": LEAKAGE,
    "scope_creep": SCOPE_CREEP,
    "milestone_mismatch": MILESTONE_MISMATCH,
    "under_reporting": UNDER_REPORTING,
}
REF_TYPE = {
    LEAKAGE: "time_entry",
    SCOPE_CREEP: "time_entry",
    MILESTONE_MISMATCH: "milestone",
    UNDER_REPORTING: "person_day",
}
PLAIN = {
    LEAKAGE: "Leakage: billable work logged as non-billable or no-charge",
    SCOPE_CREEP: "Scope creep: work outside the statement of work",
    MILESTONE_MISMATCH: "Milestone mismatch: the notes and the milestone's status disagree",
    UNDER_REPORTING: "Under-reported: calendar or notes show more work than logged",
}
SEVERITY = {
    LEAKAGE: "high",
    SCOPE_CREEP: "medium",
    MILESTONE_MISMATCH: "medium",
    UNDER_REPORTING: "low",
}
ACTION = {
    LEAKAGE: "check the note; if it was client work, mark the entry billable",
    SCOPE_CREEP: "raise a change order with the client, or move the time to a SOW line",
    MILESTONE_MISMATCH: "update the milestone's status, or ask the team what is left to do",
    UNDER_REPORTING: "ask the person to log the missing time",
}
LOCAL_MODEL = "local-heuristic-v1"


@dataclass(frozen=True)
class ReviewFinding:
    """One tagged problem; `model` is the model that answered (or the local heuristic)."""

    kind: str
    ref: str
    detail: str
    confidence: float
    model: str
    evidence: dict = field(default_factory=dict, compare=False)
    project_id: str | None = None
    client_id: str | None = None
    period: str | None = None

    @property
    def severity(self) -> str:
        return SEVERITY[self.kind]

    @property
    def suggested_action(self) -> str:
        return ACTION[self.kind]

    def queue_evidence(self) -> dict:
        """What the queue stores: the ref's type, the model, the confidence and the facts."""
        return {
            "ref_type": REF_TYPE[self.kind],
            "model": self.model,
            "confidence": round(self.confidence, 4),
            **self.evidence,
        }

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "confidence": round(self.confidence, 4),
            "model": self.model,
            "detail": self.detail,
            "evidence": self.evidence,
        }


def plain(kind: str) -> str:
    """The page's words for a kind: the review kinds spelled out, others as they are."""
    return PLAIN.get(kind, kind)
