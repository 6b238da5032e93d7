"""Harvest settings (environment or .streamlit/secrets.toml)."""

from __future__ import annotations

from dataclasses import dataclass

from etl.sync.settings import Settings

SOURCE = "harvest"
BASE_URL = "https://api.harvestapp.com/v2"
MAX_PER_PAGE = 2000  # Harvest answers 422 above this


@dataclass(frozen=True)
class HarvestSettings:
    token: str
    account_id: str
    user_agent: str  # Harvest answers 400 without one: "AppName (email or URL)"
    base_url: str = BASE_URL
    per_page: int = MAX_PER_PAGE
    reconcile_days: int = 31  # once a day, list this trailing window to find deletions
    first_from: str | None = None  # the first run's `from` (YYYY-MM-DD); None: everything

    @classmethod
    def from_settings(cls, settings: Settings) -> HarvestSettings:
        contact = settings.get("HARVEST_CONTACT", "billing-ops")
        return cls(
            token=settings.require(SOURCE, "HARVEST_ACCESS_TOKEN"),
            account_id=settings.require(SOURCE, "HARVEST_ACCOUNT_ID"),
            user_agent=settings.get("HARVEST_USER_AGENT", f"billing-ops-sync ({contact})"),
            base_url=settings.get("HARVEST_BASE_URL", BASE_URL),
            per_page=min(int(settings.get("HARVEST_PER_PAGE", str(MAX_PER_PAGE))), MAX_PER_PAGE),
            reconcile_days=int(settings.get("HARVEST_RECONCILE_DAYS", "31")),
            first_from=settings.get("HARVEST_FROM"),
        )


def configured(settings: Settings) -> bool:
    return settings.has("HARVEST_ACCESS_TOKEN", "HARVEST_ACCOUNT_ID")
