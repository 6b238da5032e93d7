"""Starts the app: `python -m serve [streamlit run options]`, which `make run` and the browser
tests use instead of `streamlit run app.py`.

Why: Streamlit 1.67 decides once per server whether the app is an old-style multipage app from
the mere presence of a `pages/` folder beside the main script, and only forgets it after app.py
has called `st.navigation`. A page URL (`/invoices`) opened first on a freshly started server
therefore ran pages/invoices.py alone, without app.py: a bare list of file names in the sidebar,
no name, no period, no way on. This app always routes through st.navigation (app.py), so the
launcher says so before the server starts."""

from __future__ import annotations

import ast
import gc
import importlib
import logging
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")
PAGES = APP.with_name("pages")
# Imported by Streamlit itself on a page's first table, or by a library on its first call
# (the holidays package's country modules: 0.1 s of the first KPI read), not named by a page.
LIBRARIES_FIRST_USED_LATE = ("pandas", "pyarrow", "holidays.countries")


def page_imports() -> list[str]:
    """The absolute modules app.py and pages/*.py import at their top level, in file order
    (with `from a import b`, also a.b, which is not always a module)."""
    names: list[str] = []
    for path in [APP, *sorted(PAGES.glob("*.py"))]:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)  # and `from ui import app_state`'s submodule:
                names += [f"{node.module}.{alias.name}" for alias in node.names]
    return list(dict.fromkeys([*names, *LIBRARIES_FIRST_USED_LATE]))


def preload() -> None:
    """Imports what the pages need, once, before the first session; a module that fails to
    import is left for its page to report (with its traceback) when opened. Their
    st.cache_data decorators run before the runtime exists, which Streamlit logs as a warning
    although the caches bind to the runtime's storage on first call: that log is silenced."""
    from streamlit.runtime.caching import cache_data_api  # its logger set up first

    decorators = logging.getLogger(cache_data_api.__name__)
    level = decorators.level
    decorators.setLevel(logging.ERROR)
    try:
        _import_all(page_imports())
    finally:
        decorators.setLevel(level)
    # Streamlit runs a full garbage collection after every script run (runner.postScriptGC),
    # which walked every object the imports made: 0.17-0.27 s of each rerun, each page switch
    # and each click, before the browser heard the run had ended. Those objects live as long
    # as the process, so they are moved out of the collector's sight; what a session makes
    # afterwards is still collected after each run.
    gc.collect()
    gc.freeze()
    _skip_direct_run_check()


def _skip_direct_run_check() -> None:
    """Streamlit's first element of the process checks whether it runs in a REPL (to warn a
    script started with `python file.py`) with inspect.stack(), which reads the source of every
    frame of the script thread: 0.24 s added to the first page anyone opens. This launcher is
    `streamlit run` itself, so the check has nothing to find; it is marked done. (A private
    flag: if a Streamlit release drops it, setting it does nothing and the check runs again.)"""
    from streamlit import delta_generator

    delta_generator._use_warning_has_been_displayed = True


def _import_all(names: list[str]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - `from a import b` where b is a name, not a module;
            continue  # or a module that fails: its page shows the real error when opened


def main(argv: list[str]) -> None:
    """Runs `streamlit run app.py ARGV` in this process, with the pages/ folder never taken for
    old-style pages, after importing what the pages need (preload: 3–4 s that the first person
    to open each page would otherwise wait for; the Anthropic SDK alone is ~1.8 s)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.path.insert(0, str(APP.parent))  # as `streamlit run` does for the app's own modules
    preload()
    sys.argv = ["streamlit", "run", str(APP), *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
