"""Contract terms -> draft invoices (DATA_CONTRACT.md "Billing semantics")."""
