"""`make run` serves the app on this machine only unless told otherwise: a fresh install is in
demo mode (no sign-in until an account exists), so listening on every interface would hand the
firm's billing data to the whole network."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib

import pytest

from tests.conftest import ROOT


def streamlit_command(**env: str) -> str:
    """The line `make run` would start the app with (make -n: nothing runs): `python -m serve`,
    which is `streamlit run app.py`."""
    base = {k: v for k, v in os.environ.items() if k not in ("ADDRESS", "MAKEFLAGS")}
    result = subprocess.run(
        ["make", "-n", "run"],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return next(
        line
        for line in result.stdout.splitlines()
        if "-m serve" in line and not line.lstrip().startswith("#")
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_listens_on_localhost_by_default():
    assert "--server.address 127.0.0.1" in streamlit_command()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_takes_another_address_when_asked():
    assert "--server.address 0.0.0.0" in streamlit_command(ADDRESS="0.0.0.0")


def test_streamlit_config_defaults_to_localhost_for_a_plain_streamlit_run():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"


def test_the_launcher_imports_what_the_pages_need_before_it_listens():
    """The first person to open a page does not wait for its imports (the Exceptions page's
    classifier brings the Anthropic SDK: ~1.8 s), and the st.cache_data decorators imported
    before the runtime exists leave no warning in the server's log."""
    import sys

    code = (
        "import sys, serve\n"
        "before = {m for m in ('anthropic', 'fpdf', 'pandas', 'read_models.exception_review')\n"
        "          if m in sys.modules}\n"
        "serve.preload()\n"
        "print(sorted(before))\n"
        "print(all(m in sys.modules for m in ('anthropic', 'fpdf', 'pandas', 'pyarrow',\n"
        "    'ui.app_state', 'read_models.exception_review', 'rules.classify.review')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.splitlines()
    assert (before, after) == ("[]", "True")  # none loaded by `import serve`; all after
    assert "No runtime found" not in result.stderr


def test_the_preloaded_objects_are_left_out_of_each_runs_full_collection():
    """Streamlit collects garbage in full after every script run; the objects the preload made
    live as long as the server, so the collector no longer walks them (it took 0.17-0.27 s of
    every rerun and page switch): what it still tracks is a small part of what was frozen."""
    import sys

    code = (
        "import gc, serve\nserve.preload()\nprint(gc.get_freeze_count(), len(gc.get_objects()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    frozen, tracked = map(int, result.stdout.split())
    assert frozen > 100_000  # the imports' objects (~336,000 with Streamlit 1.67)
    assert tracked < frozen / 20


def test_no_page_needs_streamlit_magic_which_is_off():
    """.streamlit/config.toml turns magic off (a re-parse of every script each time the last
    session leaves) and the collection after every run off; a page that wrote a bare value on
    its own line would show nothing, so none may."""
    import ast

    from streamlit.runtime.scriptrunner import magic

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"] == {"postScriptGC": False, "magicEnabled": False}
    written = {}
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        tree = magic.add_magic(path.read_text(encoding="utf-8"), str(path))
        writes = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "transparent_write"
        ]
        if writes:
            written[path.name] = [node.lineno for node in writes]
    assert written == {}
