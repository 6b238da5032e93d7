"""A pushed draft's tax in the accounting system's documented shapes, so the invoice there totals
what we billed (subtotal + tax) instead of the subtotal alone, or the subtotal plus whatever
tax the sales account defaults to.

QuickBooks Online: every sales line names a `TaxCodeRef` (QBO_LINE_TAX_CODE, default `TAX`,
the US "taxable" code; a non-US company uses its tax code id) and the invoice carries
`TxnTaxDetail{TxnTaxCodeRef, TotalTax}` with the rate's code (QBO_TAX_CODE) and our tax.
Xero: `LineAmountTypes` `Exclusive` with `TaxType` (XERO_TAX_TYPE, e.g. `OUTPUT2`) and
`TaxAmount` per line; a draft without tax goes as `NoTax` with `TaxType` `NONE`, so Xero adds
nothing.

Our draft's tax is the subtotal times the rate, half-up to cents (billing.model). Per line it
is split half-up to cents per line, and the last line takes the cent the rounding leaves, so
the lines add up to the draft's tax exactly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.money import cents

ZERO = Decimal(0)


def line_taxes(amounts: list[Decimal], rate: Decimal, total_tax: Decimal) -> list[Decimal]:
    """Each line's share of `total_tax`: amount x rate half-up, the rest on the last line."""
    if not amounts:
        return []
    shares = [cents(a * rate) for a in amounts]
    shares[-1] += total_tax - sum(shares, ZERO)
    return shares


def qbo_tax(body: dict[str, Any], tax: Decimal, settings, wire) -> None:
    """Adds QBO's tax shape to an Invoice body in place when the draft carries tax."""
    if tax == 0:
        return
    code = settings.require("quickbooks", "QBO_TAX_CODE")
    line_code = settings.get("QBO_LINE_TAX_CODE", "TAX")
    for line in body["Line"]:
        line["SalesItemLineDetail"]["TaxCodeRef"] = {"value": line_code}
    body["TxnTaxDetail"] = {"TxnTaxCodeRef": {"value": code}, "TotalTax": wire(tax)}


def xero_tax(
    invoice: dict[str, Any], amounts: list[Decimal], rate: Decimal, tax: Decimal, settings, wire
) -> None:
    """Sets Xero's LineAmountTypes and each line item's TaxType (and TaxAmount) in place."""
    if tax == 0:
        invoice["LineAmountTypes"] = "NoTax"
        for item in invoice["LineItems"]:
            item["TaxType"] = "NONE"
        return
    tax_type = settings.require("xero", "XERO_TAX_TYPE")
    invoice["LineAmountTypes"] = "Exclusive"
    for item, share in zip(invoice["LineItems"], line_taxes(amounts, rate, tax), strict=True):
        item["TaxType"] = tax_type
        item["TaxAmount"] = wire(share)
