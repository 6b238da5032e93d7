"""Xero API connector: source.py (read sync), mapping.py (API -> export rows)."""
