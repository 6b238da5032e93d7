"""Tempo (Jira Cloud) settings (environment or .streamlit/secrets.toml)."""

from __future__ import annotations

from dataclasses import dataclass

from etl.sync.settings import Settings

SOURCE = "tempo"
BASE_URL = "https://api.tempo.io/4"


@dataclass(frozen=True)
class TempoSettings:
    token: str
    base_url: str = BASE_URL
    limit: int = 1000  # worklogs per page (v4 allows 5000)
    reconcile_days: int = 31  # once a day, list this trailing window to find deletions
    first_from: str | None = None  # the first run's `from` (YYYY-MM-DD); None: everything
    # Jira, optional: issue keys (the SOW hint in the note) and people's names and emails
    jira_url: str | None = None
    jira_email: str | None = None
    jira_token: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TempoSettings:
        return cls(
            token=settings.require(SOURCE, "TEMPO_API_TOKEN"),
            base_url=settings.get("TEMPO_BASE_URL", BASE_URL),
            limit=int(settings.get("TEMPO_LIMIT", "1000")),
            reconcile_days=int(settings.get("TEMPO_RECONCILE_DAYS", "31")),
            first_from=settings.get("TEMPO_FROM"),
            jira_url=settings.get("JIRA_BASE_URL"),
            jira_email=settings.get("JIRA_EMAIL"),
            jira_token=settings.get("JIRA_API_TOKEN"),
        )

    @property
    def has_jira(self) -> bool:
        return bool(self.jira_url and self.jira_email and self.jira_token)


def configured(settings: Settings) -> bool:
    return settings.has("TEMPO_API_TOKEN")
