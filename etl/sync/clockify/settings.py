"""Clockify settings (environment or .streamlit/secrets.toml)."""

from __future__ import annotations

from dataclasses import dataclass

from etl.sync.settings import Settings

SOURCE = "clockify"
API_URL = "https://api.clockify.me/api/v1"
REPORTS_URL = "https://reports.api.clockify.me/v1"  # regional: https://euc1.clockify.me/report/v1


@dataclass(frozen=True)
class ClockifySettings:
    api_key: str
    workspace_id: str | None  # None: the first of GET /workspaces
    api_url: str = API_URL
    reports_url: str = REPORTS_URL
    window_days: int = 31  # each run re-reads this trailing window (no updated-since filter)
    page_size: int = 200  # sources differ on the maximum (200 or 1000); 200 is safe

    @classmethod
    def from_settings(cls, settings: Settings) -> ClockifySettings:
        return cls(
            api_key=settings.require(SOURCE, "CLOCKIFY_API_KEY"),
            workspace_id=settings.get("CLOCKIFY_WORKSPACE_ID"),
            api_url=settings.get("CLOCKIFY_BASE_URL", API_URL),
            reports_url=settings.get("CLOCKIFY_REPORTS_URL", REPORTS_URL),
            window_days=int(settings.get("CLOCKIFY_WINDOW_DAYS", "31")),
            page_size=int(settings.get("CLOCKIFY_PAGE_SIZE", "200")),
        )


def configured(settings: Settings) -> bool:
    return settings.has("CLOCKIFY_API_KEY")
