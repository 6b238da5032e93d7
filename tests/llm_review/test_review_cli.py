"""`python -m rules review` end to end on Harbor & Finch: the JSON document, the queue rows it
leaves, the table, and its user errors (one line, exit 1)."""

from __future__ import annotations

import json

import pytest

from rules.__main__ import main
from tests.llm_review.review_firm import build

pytestmark = pytest.mark.clock


@pytest.fixture
def firm(con, db_path, tmp_path):
    build(con, tmp_path)
    con.close()
    return db_path


def test_json_then_table_and_the_queue(firm, capsys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    args = ["--db", str(firm), "review", "--as-of", "2026-10-30", "--llm", "off"]
    assert main([*args, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["method"], doc["since"], doc["as_of"]) == (
        "local",
        "2026-09-30",
        "2026-10-30",
    )  # 31 days
    assert len(doc["findings"]) == 13 and doc["counts"] == {"new": 13, "updated": 0, "resolved": 0}
    leak = next(f for f in doc["findings"] if f["ref"] == "E-101")
    assert (leak["kind"], leak["model"]) == ("review_leakage", "local-heuristic-v1")
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "13 finding(s): 0 new, 13 still found, 0 resolved" in out
    assert "Leakage: billable work logged as non-billable or no-charge" in out
    assert err == ""  # --llm off: nothing to say about a key


def test_auto_without_a_key_says_it_ran_locally(firm, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setattr("rules.classify.llm.SECRETS_PATH", tmp_path / "none.toml")
    assert main(["--db", str(firm), "review", "--as-of", "2026-10-30"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("note: no Anthropic API key") and "local heuristic" in err


def test_user_errors_are_one_line(firm, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setattr("rules.classify.llm.SECRETS_PATH", tmp_path / "none.toml")
    assert main(["--db", str(firm), "review", "--llm", "on"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--llm on needs an Anthropic API key" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[review]\ndays = 0\nmodel = "gpt-9"\n')
    assert main(["--db", str(firm), "review", "--llm", "off", "--config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "days = 0 is not valid" in err
    bad.write_text('[review]\nmodel = "gpt-9"\n')
    assert main(["--db", str(firm), "review", "--llm", "off", "--config", str(bad)]) == 1
    assert "no price for model 'gpt-9'" in capsys.readouterr().err
    bad.write_text("[review]\nwindow = 3\n")
    assert main(["--db", str(firm), "review", "--llm", "off", "--config", str(bad)]) == 1
    assert "unknown key(s) ['window']" in capsys.readouterr().err
