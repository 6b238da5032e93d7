"""Jira Tempo connector (`etl sync --source tempo`): Tempo REST v4 worklogs, Jira for issue
keys and names. settings.py, client.py, resources.py."""

from __future__ import annotations

from etl.sync.tempo import resources
from etl.sync.tempo.settings import SOURCE as NAME
from etl.sync.tempo.settings import TempoSettings, configured
from etl.sync.trackers import TrackerSource

SOURCE = TrackerSource(
    NAME, TempoSettings, configured, resources, counted="worklogs", entity="worklogs"
)
