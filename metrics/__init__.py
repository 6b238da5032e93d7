"""KPI and health definitions over the warehouse, shared by the pages and the metrics CLI."""
