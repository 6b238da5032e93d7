"""Receivables: payment matching, aging, late fees, reminders and the weekly AR review."""
