"""The sources `python -m etl sync --source NAME` knows: name -> "module:attribute" of an
object satisfying `etl.sync.run.Source`. Imported only when used, so a broken or heavy
connector never slows the others. Add a connector with one line here (or `register`)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from core.cli_errors import UserError

if TYPE_CHECKING:
    from etl.sync.run import Source

SOURCES: dict[str, str] = {
    "harvest": "etl.sync.harvest:SOURCE",
    "toggl": "etl.sync.toggl:SOURCE",
    "clockify": "etl.sync.clockify:SOURCE",
    "tempo": "etl.sync.tempo:SOURCE",
    "quickbooks": "etl.sync.quickbooks.source:SOURCE",
    "xero": "etl.sync.xero.source:SOURCE",
}

_loaded: dict[str, Source] = {}


def register(name: str, target: str | Source) -> None:
    """Adds (or replaces) a source: a "module:attribute" path or the object itself."""
    if isinstance(target, str):
        SOURCES[name] = target
        _loaded.pop(name, None)
    else:
        SOURCES[name] = f"<object {name}>"
        _loaded[name] = target


def names() -> list[str]:
    return sorted(SOURCES)


def get_source(name: str) -> Source:
    if name in _loaded:
        return _loaded[name]
    if name not in SOURCES:
        raise UserError(f"unknown sync source {name!r}; known: {', '.join(names())}")
    module, _, attribute = SOURCES[name].partition(":")
    _loaded[name] = getattr(importlib.import_module(module), attribute)
    return _loaded[name]
