"""Jira Tempo connector (`etl sync --source tempo`): Tempo REST v4 worklogs, Jira for issue
keys and names. settings.py, client.py, resources.py."""

from __future__ import annotations

from etl import clock
from etl.sync.run import Extract
from etl.sync.tempo import resources
from etl.sync.tempo.settings import SOURCE as NAME
from etl.sync.tempo.settings import TempoSettings, configured
from etl.sync.trackers import ApiBatch, known_names, load_entries


class TempoSource:
    name = NAME

    def configured(self, settings) -> bool:
        return configured(settings)

    def fetch(self, ctx, cursors: dict[str, str]) -> Extract:
        settings = TempoSettings.from_settings(ctx.settings)
        payload = resources.fetch(ctx, settings, cursors, clock.today())
        return Extract(settings.base_url, payload, payload["cursors"], payload["requests"],
                       len(payload["worklogs"]))  # fmt: skip

    def load(self, con, load, report, extract: Extract) -> None:
        label = f"{NAME}-api worklogs"
        batch = ApiBatch(NAME, label, known_names(con))
        mapped = resources.map_entries(con, batch, extract.payload)
        load_entries(con, load, report, NAME, label, mapped)


SOURCE = TempoSource()
