"""Harvest API v2 connector (`etl sync --source harvest`): settings.py, client.py (headers,
paginator), resources.py (time entries, deletions, mapping)."""

from __future__ import annotations

from etl.sync.harvest import resources
from etl.sync.harvest.settings import SOURCE as NAME
from etl.sync.harvest.settings import HarvestSettings, configured
from etl.sync.trackers import TrackerSource

SOURCE = TrackerSource(NAME, HarvestSettings, configured, resources)
