"""Toggl Track connector (`etl sync --source toggl`): API v9 for the workspace's names,
Reports v3 detailed report for everyone's entries. settings.py, client.py, resources.py."""

from __future__ import annotations

from etl import clock
from etl.sync.run import Extract
from etl.sync.toggl import resources
from etl.sync.toggl.settings import SOURCE as NAME
from etl.sync.toggl.settings import TogglSettings, configured
from etl.sync.trackers import ApiBatch, known_names, load_entries


class TogglSource:
    name = NAME

    def configured(self, settings) -> bool:
        return configured(settings)

    def fetch(self, ctx, cursors: dict[str, str]) -> Extract:
        settings = TogglSettings.from_settings(ctx.settings)
        payload = resources.fetch(ctx, settings, cursors, clock.today())
        return Extract(settings.base_url, payload, payload["cursors"], payload["requests"],
                       len(payload["changed"]))  # fmt: skip

    def load(self, con, load, report, extract: Extract) -> None:
        label = f"{NAME}-api time_entries"
        batch = ApiBatch(NAME, label, known_names(con))
        mapped = resources.map_entries(con, batch, extract.payload)
        load_entries(con, load, report, NAME, label, mapped)


SOURCE = TogglSource()
