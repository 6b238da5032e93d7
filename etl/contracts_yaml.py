"""contracts.yaml and firm.yaml: structure checks with the contract's name and line in every
message, flattened into rows that the ordinary staging step upserts."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from etl.contract import BILLING_TYPES
from etl.staging import Rejected
from etl.yaml_nodes import Mapping, Scalar, Sequence, parse_yaml, plain

CONTRACT_KEYS = {
    "contract_id",
    "client_id",
    "currency",
    "payment_terms_days",
    "po",
    "rounding",
    "late_fee",
    "expenses",
    "invoice_per",
    "workstreams",
}
BLOCK_KEYS = {
    "po": {"number", "limit", "alert_at"},
    "rounding": {"increment_minutes", "mode"},
    "late_fee": {"monthly_rate", "grace_days"},
    "expenses": {"billable", "markup"},
}
WORKSTREAM_KEYS = {
    "project_id",
    "billing",
    "fee",
    "bill_on",
    "tiers",
    "cap",
    "monthly_fee",
    "included_hours",
    "overage_rate",
    "rollover",
    "rush",
}
REQUIRED_BY_BILLING = {
    "fixed_fee": ("fee",),
    "milestone": (),
    "time_and_materials": (),
    "retainer": ("monthly_fee", "included_hours"),
}
FIRM_KEYS = {
    "name",
    "base_currency",
    "timezone",
    "week_starts",
    "timesheet_deadline",
    "fiscal_year_start",
    "holidays_country",
    "address",  # ours, optional: the firm's postal address on the invoice PDF
    "remittance",  # ours, optional: how to pay (bank, IBAN, SWIFT) on the invoice PDF
}


class ContractError(ValueError):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


@dataclass
class ParsedContracts:
    rows: list[dict]  # flattened contract rows (strings), with _line
    workstreams: list[dict]  # typed workstream rows keyed by contract_id
    rejected: list[Rejected] = field(default_factory=list)


def _text(node) -> str | None:
    if node is None:
        return None
    if not isinstance(node, Scalar):
        raise ContractError(getattr(node, "line", 0), "expected a single value")
    return (
        None
        if node.value is None
        else str(node.value if isinstance(node.value, bool) else node.text)
    )


def _check_keys(node, allowed: set[str], where: str) -> None:
    if not isinstance(node, Mapping):
        raise ContractError(getattr(node, "line", 0), f"{where} must be a mapping")
    for key in node.items:
        if key not in allowed:
            hint = difflib.get_close_matches(key, sorted(allowed), n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ContractError(node.line, f"unknown key {key!r} in {where}{extra}")


def _decimal(node, what: str, *, minimum: Decimal | None = Decimal(0)) -> Decimal | None:
    text = _text(node)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ContractError(node.line, f"{what} {text!r} is not a number") from None
    if not value.is_finite() or (minimum is not None and value < minimum):
        raise ContractError(node.line, f"{what} {text} must not be below {minimum}")
    return value


def _int(node, what: str) -> int | None:
    value = _decimal(node, what)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise ContractError(node.line, f"{what} {value} must be a whole number")
    return int(value)


def _block(contract: Mapping, name: str) -> Mapping:
    node = contract.get(name)
    if node is None:
        return Mapping({}, contract.line)
    _check_keys(node, BLOCK_KEYS[name], name)
    return node


def flatten_contract(node: Mapping) -> dict:
    """The contract-level columns as strings (the SQL checks type them) and its terms as JSON."""
    _check_keys(node, CONTRACT_KEYS, "contract")
    po, rounding = _block(node, "po"), _block(node, "rounding")
    late_fee, expenses = _block(node, "late_fee"), _block(node, "expenses")
    return {
        "_line": node.line,
        "contract_id": _text(node.get("contract_id")),
        "client_id": _text(node.get("client_id")),
        "currency": _text(node.get("currency")),
        "payment_terms_days": _text(node.get("payment_terms_days")),
        "po_number": _text(po.get("number")),
        "po_limit": _text(po.get("limit")),
        "po_alert_at": _text(po.get("alert_at")),
        "rounding_increment_minutes": _text(rounding.get("increment_minutes")),
        "rounding_mode": _text(rounding.get("mode")),
        "late_fee_monthly_rate": _text(late_fee.get("monthly_rate")),
        "late_fee_grace_days": _text(late_fee.get("grace_days")),
        "expenses_billable": _text(expenses.get("billable")),
        "expenses_markup": _text(expenses.get("markup")),
        "invoice_per": _text(node.get("invoice_per")),
        "terms": json.dumps(plain(node), sort_keys=True),
    }


def _billing(ws: Mapping, contract_id: str) -> str:
    billing = _text(ws.get("billing"))
    if billing is None:
        raise ContractError(ws.line, "workstream has no billing type")
    if billing not in BILLING_TYPES:
        hint = difflib.get_close_matches(billing, BILLING_TYPES, n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        choices = ", ".join(BILLING_TYPES)
        raise ContractError(
            ws.line, f"unknown billing type {billing!r} (expected {choices}){extra}"
        )
    for key in REQUIRED_BY_BILLING[billing]:
        if ws.get(key) is None:
            raise ContractError(ws.line, f"{billing} workstream needs {key!r}")
    return billing


def _tiers(node) -> str | None:
    if node is None:
        return None
    if not isinstance(node, Sequence):
        raise ContractError(node.line, "tiers must be a list")
    tiers = []
    for tier in node.items:
        _check_keys(tier, {"from_hours", "discount"}, "tier")
        start = _decimal(tier.get("from_hours"), "tier from_hours")
        discount = _decimal(tier.get("discount"), "tier discount")
        if start is None or discount is None or discount > 1:
            raise ContractError(tier.line, "a tier needs from_hours and a discount between 0 and 1")
        tiers.append({"from_hours": str(start), "discount": str(discount)})
    return json.dumps(sorted(tiers, key=lambda t: Decimal(t["from_hours"])))


def _sub(ws: Mapping, name: str, keys: set[str]) -> Mapping:
    node = ws.get(name)
    if node is None:
        return Mapping({}, ws.line)
    _check_keys(node, keys, name)
    return node


def flatten_workstream(ws: Mapping, contract_id: str, position: int) -> dict:
    _check_keys(ws, WORKSTREAM_KEYS, "workstream")
    billing = _billing(ws, contract_id)
    project_id = _text(ws.get("project_id"))
    if not project_id:
        raise ContractError(ws.line, "workstream has no project_id")
    cap = _sub(ws, "cap", {"amount", "scope"})
    rollover = _sub(ws, "rollover", {"max_hours", "expires_after_months"})
    rush = _sub(ws, "rush", {"multiplier", "counts_against_retainer"})
    bill_on = _text(ws.get("bill_on")) or ("accepted" if billing == "milestone" else None)
    if bill_on not in (None, "accepted", "complete"):
        raise ContractError(ws.line, f"bill_on {bill_on!r} must be accepted or complete")
    scope = _text(cap.get("scope")) or ("contract" if cap.get("amount") is not None else None)
    if scope not in (None, "contract", "period"):
        raise ContractError(cap.line, f"cap scope {scope!r} must be contract or period")
    counts = rush.get("counts_against_retainer")
    return {
        "contract_id": contract_id,
        "position": position,
        "project_id": project_id,
        "billing": billing,
        "fee": _decimal(ws.get("fee"), "fee"),
        "bill_on": bill_on,
        "monthly_fee": _decimal(ws.get("monthly_fee"), "monthly_fee"),
        "included_hours": _decimal(ws.get("included_hours"), "included_hours"),
        "overage_rate": _decimal(ws.get("overage_rate"), "overage_rate"),
        "rollover_max_hours": _decimal(rollover.get("max_hours"), "rollover max_hours"),
        "rollover_expires_after_months": _int(
            rollover.get("expires_after_months"), "rollover expires_after_months"
        ),
        "rush_multiplier": _decimal(rush.get("multiplier"), "rush multiplier"),
        "rush_counts_against_retainer": None if counts is None else bool(counts.value),
        "cap_amount": _decimal(cap.get("amount"), "cap amount"),
        "cap_scope": scope,
        "tiers": _tiers(ws.get("tiers")),
    }


def _contract_name(node) -> str:
    if isinstance(node, Mapping) and isinstance(node.get("contract_id"), Scalar):
        return f"contract {node.get('contract_id').text}"
    return f"the contract at line {getattr(node, 'line', '?')}"


def _one_contract(node, known_projects: set[str]) -> tuple[dict, list[dict]]:
    row = flatten_contract(node)
    workstreams = node.get("workstreams")
    if not isinstance(workstreams, Sequence) or not workstreams.items:
        raise ContractError(node.line, "needs at least one workstream")
    flat = [
        flatten_workstream(ws, row["contract_id"], i) for i, ws in enumerate(workstreams.items, 1)
    ]
    for ws, node_ws in zip(flat, workstreams.items):
        if ws["project_id"] not in known_projects:
            raise ContractError(
                node_ws.line, f"workstream names unknown project {ws['project_id']!r}"
            )
    projects = [ws["project_id"] for ws in flat]
    if len(set(projects)) != len(projects):
        raise ContractError(node.line, "a project appears in two workstreams")
    return row, flat


def parse_contracts(text: str, known_projects: set[str]) -> ParsedContracts:
    """Every well-formed contract; a broken one is rejected whole, naming it, the rest load."""
    tree = parse_yaml(text)
    if not isinstance(tree, Mapping) or not isinstance(tree.get("contracts"), Sequence):
        raise ContractError(1, "contracts.yaml must have a top-level 'contracts:' list")
    parsed = ParsedContracts([], [])
    for node in tree.get("contracts").items:
        try:
            row, workstreams = _one_contract(node, known_projects)
        except ContractError as err:
            raw = plain(node) if isinstance(node, Mapping) else {"value": plain(node)}
            parsed.rejected.append(Rejected(err.line, f"{_contract_name(node)}: {err}", raw))
            continue
        parsed.rows.append(row)
        parsed.workstreams.extend(workstreams)
    return parsed


def parse_firm(text: str) -> dict:
    """firm.yaml as one row of strings; raises ContractError for a broken file."""
    tree = parse_yaml(text)
    if not isinstance(tree, Mapping):
        raise ContractError(1, "firm.yaml must be a mapping with name and base_currency")
    _check_keys(tree, FIRM_KEYS, "firm.yaml")
    row = {key: _text(tree.get(key)) for key in sorted(FIRM_KEYS)}
    row["_line"] = tree.line
    return row
