"""Harvest API v2 connector (`etl sync --source harvest`): settings.py, client.py (headers,
paginator), resources.py (time entries, deletions, mapping)."""

from __future__ import annotations

from etl import clock
from etl.sync.harvest import resources
from etl.sync.harvest.settings import SOURCE as NAME
from etl.sync.harvest.settings import HarvestSettings, configured
from etl.sync.run import Extract
from etl.sync.trackers import ApiBatch, known_names, load_entries


class HarvestSource:
    name = NAME

    def configured(self, settings) -> bool:
        return configured(settings)

    def fetch(self, ctx, cursors: dict[str, str]) -> Extract:
        settings = HarvestSettings.from_settings(ctx.settings)
        payload = resources.fetch(ctx, settings, cursors, clock.today())
        return Extract(settings.base_url, payload, payload["cursors"], payload["requests"],
                       len(payload["entries"]))  # fmt: skip

    def load(self, con, load, report, extract: Extract) -> None:
        label = f"{NAME}-api time_entries"
        batch = ApiBatch(NAME, label, known_names(con))
        mapped = resources.map_entries(con, batch, extract.payload)
        load_entries(con, load, report, NAME, label, mapped)


SOURCE = HarvestSource()
