"""Clockify connector (`etl sync --source clockify`): the workspace's detailed report.
settings.py, client.py, resources.py; webhooks queue a sync (etl/sync/webhooks.py)."""

from __future__ import annotations

from etl import clock
from etl.sync.clockify import resources
from etl.sync.clockify.settings import SOURCE as NAME
from etl.sync.clockify.settings import ClockifySettings, configured
from etl.sync.run import Extract
from etl.sync.trackers import ApiBatch, known_names, load_entries


class ClockifySource:
    name = NAME

    def configured(self, settings) -> bool:
        return configured(settings)

    def fetch(self, ctx, cursors: dict[str, str]) -> Extract:
        settings = ClockifySettings.from_settings(ctx.settings)
        payload = resources.fetch(ctx, settings, cursors, clock.today())
        return Extract(settings.reports_url, payload, payload["cursors"], payload["requests"],
                       len(payload["entries"]))  # fmt: skip

    def load(self, con, load, report, extract: Extract) -> None:
        label = f"{NAME}-api time_entries"
        batch = ApiBatch(NAME, label, known_names(con))
        mapped = resources.map_entries(con, batch, extract.payload)
        load_entries(con, load, report, NAME, label, mapped)


SOURCE = ClockifySource()
