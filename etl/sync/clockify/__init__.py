"""Clockify connector (`etl sync --source clockify`): the workspace's detailed report.
settings.py, client.py, resources.py; webhooks queue a sync (etl/sync/webhooks.py)."""

from __future__ import annotations

from etl.sync.clockify import resources
from etl.sync.clockify.settings import SOURCE as NAME
from etl.sync.clockify.settings import ClockifySettings, configured
from etl.sync.trackers import TrackerSource

SOURCE = TrackerSource(NAME, ClockifySettings, configured, resources, url_attr="reports_url")
