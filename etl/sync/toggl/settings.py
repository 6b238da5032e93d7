"""Toggl Track settings (environment or .streamlit/secrets.toml)."""

from __future__ import annotations

from dataclasses import dataclass

from etl.sync.settings import Settings

SOURCE = "toggl"
BASE_URL = "https://api.track.toggl.com"
API = "/api/v9"
REPORTS = "/reports/api/v3"


@dataclass(frozen=True)
class TogglSettings:
    token: str
    workspace_id: str | None  # None: the first of /me/workspaces
    base_url: str = BASE_URL
    window_days: int = 31  # each run re-reads this trailing window (edits, deletions)
    page_size: int = 50  # Reports v3 rows per page

    @classmethod
    def from_settings(cls, settings: Settings) -> TogglSettings:
        return cls(
            token=settings.require(SOURCE, "TOGGL_API_TOKEN"),
            workspace_id=settings.get("TOGGL_WORKSPACE_ID"),
            base_url=settings.get("TOGGL_BASE_URL", BASE_URL),
            window_days=int(settings.get("TOGGL_WINDOW_DAYS", "31")),
            page_size=int(settings.get("TOGGL_PAGE_SIZE", "50")),
        )


def configured(settings: Settings) -> bool:
    return settings.has("TOGGL_API_TOKEN")
