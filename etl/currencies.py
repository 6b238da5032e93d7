"""ISO 4217 currency codes accepted by the canonical import (DATA_CONTRACT.md: "Currencies are
ISO 4217 codes").

`ISO_4217` is the active list ("List One": currencies and funds) as published by the ISO 4217
maintenance agency, current to the euro changeover of Bulgaria on 2026-01-01. Two codes of List
One are left out on purpose because no invoice, payment or expense can be in them:
`XTS` (reserved for testing) and `XXX` (no currency involved).

Codes withdrawn in recent years (`WITHDRAWN`, each mapped to its successor) are still
accepted on import: a firm's history legitimately holds 2025 invoices in BGN or HRK.
`ACCEPTED` is what the import checks against. Update both when an ISO 4217 amendment adds or
withdraws a code.
"""

from __future__ import annotations

ISO_4217: frozenset[str] = frozenset(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN
    BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
    CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK
    DJF DKK DOP DZD
    EGP ERN ETB EUR
    FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD
    HKD HNL HTG HUF
    IDR ILS INR IQD IRR ISK
    JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
    NAD NGN NIO NOK NPR NZD
    OMR
    PAB PEN PGK PHP PKR PLN PYG
    QAR
    RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD USN UYI UYU UYW UZS
    VED VES VND VUV
    WST
    XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA
    YER
    ZAR ZMW ZWG
    """.split()  # noqa: SIM905 - one line per initial letter reads better than 175 strings
)

# Recently withdrawn code -> the code that replaced it.
WITHDRAWN: dict[str, str] = {
    "ANG": "XCG",  # Netherlands Antillean guilder -> Caribbean guilder (2025)
    "BGN": "EUR",  # Bulgarian lev -> euro (2026-01-01)
    "CUC": "CUP",  # Cuban convertible peso, abolished 2021
    "HRK": "EUR",  # Croatian kuna -> euro (2023-01-01)
    "SLL": "SLE",  # Sierra Leonean leone, redenominated 2022
    "ZWL": "ZWG",  # Zimbabwean dollar -> Zimbabwe Gold (2024)
    "VEF": "VES",
    "MRO": "MRU",
    "STD": "STN",
    "BYR": "BYN",
    "LTL": "EUR",
    "LVL": "EUR",
    "EEK": "EUR",
}

assert not (ISO_4217 & WITHDRAWN.keys())
assert all(len(code) == 3 and code.isupper() for code in ISO_4217)

# What an import accepts: current codes and recently withdrawn ones (historical data).
ACCEPTED: frozenset[str] = ISO_4217 | frozenset(WITHDRAWN)
