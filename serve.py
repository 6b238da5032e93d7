"""Starts the app: `python -m serve [streamlit run options]`, which `make run` and the browser
tests use instead of `streamlit run app.py`.

Why: Streamlit 1.67 decides once per server whether the app is an old-style multipage app from
the mere presence of a `pages/` folder beside the main script, and only forgets it after app.py
has called `st.navigation`. A page URL (`/invoices`) opened first on a freshly started server
therefore ran pages/invoices.py alone, without app.py: a bare list of file names in the sidebar,
no name, no period, no way on. This app always routes through st.navigation (app.py), so the
launcher says so before the server starts."""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def main(argv: list[str]) -> None:
    """Runs `streamlit run app.py ARGV` in this process, with the pages/ folder never taken for
    old-style pages."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
