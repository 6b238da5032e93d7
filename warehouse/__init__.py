"""The DuckDB warehouse: connections and write turns, migrations, marts, and the
session tables every reader shares (capacity by person-day, FX by day)."""
