"""Foundations every layer may use: the one clock, exact money, CLI errors, safe paths
and CSV-injection-safe cells. Imports nothing of ours."""
