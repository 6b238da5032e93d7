"""Rules that need billing's Python (one module per kind, each with find(con, as_of, config))."""
