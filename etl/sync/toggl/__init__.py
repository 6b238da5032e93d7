"""Toggl Track connector (`etl sync --source toggl`): API v9 for the workspace's names,
Reports v3 detailed report for everyone's entries. settings.py, client.py, resources.py."""

from __future__ import annotations

from etl.sync.toggl import resources
from etl.sync.toggl.settings import SOURCE as NAME
from etl.sync.toggl.settings import TogglSettings, configured
from etl.sync.trackers import TrackerSource

SOURCE = TrackerSource(NAME, TogglSettings, configured, resources, counted="changed")
