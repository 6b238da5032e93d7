"""One rule's finding, as every rule (rules/sql via the engine, rules/checks) hands it over:
its own module so that the checks and the engine that runs them import it, not each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from exception_queue.findings import Finding


@dataclass(frozen=True)
class RuleException:
    """One finding; the optional attributes are read by exception_queue.findings.sync."""

    kind: str
    ref: str
    detail: str
    severity: str
    value: Decimal | None = None
    currency: str | None = None
    project_id: str | None = None
    period: str | None = None
    evidence: dict = field(default_factory=dict, compare=False)
    suggested_action: str | None = None
    amount: Decimal | None = None  # money at stake, in `currency`
    hours: Decimal | None = None
    event_date: date | None = None
    person_id: str | None = None
    client_id: str | None = None
    invoice_id: str | None = None

    def finding(self) -> Finding:
        """The typed finding the queue stores. Money at stake is only what the rule writes as
        `amount`: a value is not always at stake (po_alert's invoiced-to-date, budget_alert's
        cost, expired_rollover's hours)."""
        return Finding(
            kind=self.kind,
            ref=self.ref,
            detail=self.detail,
            severity=self.severity,
            amount=self.amount,
            currency=self.currency,
            hours=self.hours,
            event_date=self.event_date,
            person_id=self.person_id,
            project_id=self.project_id,
            client_id=self.client_id,
            invoice_id=self.invoice_id,
            period=self.period,
            value=self.value,
            evidence=self.evidence,
            suggested_action=self.suggested_action,
        )

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "severity": self.severity,
            "value": None if self.value is None else str(self.value),
            "detail": self.detail,
        }
