"""Page read-models: what each page shows, read from metrics, billing and rules
so the pages only draw."""
