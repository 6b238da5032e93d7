"""Hostile contracts.yaml / firm.yaml: refused fast, as one line, before anything is built.

A 1 KB alias bomb ("billion laughs") expands to 10**9 scalars; PyYAML's composer recurses once
per nesting level. Both are refused while the nodes are read, so the time does not grow with
the expansion. The message names the file (the importer prefixes it) and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.__main__ import main
from etl.contracts_yaml import parse_contracts, parse_firm
from etl.yaml_nodes import MAX_YAML_BYTES, YamlRefused, parse_yaml
from tests.conftest import write_folder
from tests.etl.canonical_fixtures import BASE_FILES


def alias_bomb(top_key: str) -> str:
    """Nine levels of ten aliases each: 10**9 scalars once expanded, from under 1 KB of text."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"{top_key}: [*a8]")
    return "\n".join(lines) + "\n"


BOMB_CONTRACTS = alias_bomb("contracts")
DEEP_SEQUENCE = "contracts: " + "[" * 10_000 + "]" * 10_000 + "\n"
DEEP_MAPPING = "name: " + "{a: " * 10_000 + "x" + "}" * 10_000 + "\n"


def test_the_bomb_is_small_and_would_expand_past_five_gigabytes():
    # 10**9 scalars of "lol": at the very least 3 bytes each, far more as Python objects.
    assert len(BOMB_CONTRACTS) < 1100
    assert 10**9 * len("lol") > 2 * 10**9


@pytest.mark.parametrize(
    "parse, text, reason",
    [
        (lambda t: parse_contracts(t, {"PR-1"}), BOMB_CONTRACTS, "line 1: YAML anchors (&a0)"),
        (parse_firm, alias_bomb("name"), "line 1: YAML anchors (&a0)"),
        (lambda t: parse_contracts(t, set()), DEEP_SEQUENCE, "nested deeper than 64 levels"),
        (parse_firm, DEEP_MAPPING, "nested deeper than 64 levels"),
        (parse_yaml, "a: [1, 2]\nb: *undefined\n", "line 2: YAML aliases (*undefined)"),
    ],
    ids=["bomb-contracts", "bomb-firm", "deep-sequence", "deep-mapping", "alias"],
)
def test_hostile_yaml_is_refused_before_building_nodes(parse, text, reason):
    # The reason names the guard, which refuses from the token stream before any node exists
    # (how fast: bench/bench_yaml.py).
    with pytest.raises(YamlRefused) as refused:
        parse(text)
    assert isinstance(refused.value, ValueError)
    assert reason in str(refused.value)
    assert "\n" not in str(refused.value)


def test_syntax_error_is_one_line_with_its_line_number():
    with pytest.raises(YamlRefused) as refused:
        parse_yaml("name: Kestrel\nbase_currency: [USD\n")
    message = str(refused.value)
    assert "\n" not in message and message.startswith("line ") and "bad YAML" in message


def test_ordinary_nesting_still_loads():
    tree = parse_yaml("a: {b: [1, {c: [2, 3]}]}\n")
    assert tree.get("a").get("b").items[1].get("c").items[1].text == "3"


def run_import(folder: Path, db: Path, capsys) -> tuple[int, str, str]:
    code = main(["--db", str(db), "import", "canonical", str(folder)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    "name, text, reason",
    [
        ("contracts.yaml", BOMB_CONTRACTS, "YAML anchors (&a0) are not allowed"),
        ("firm.yaml", alias_bomb("name"), "YAML anchors (&a0) are not allowed"),
        ("contracts.yaml", DEEP_SEQUENCE, "nested deeper than 64 levels"),
        ("firm.yaml", DEEP_MAPPING, "nested deeper than 64 levels"),
    ],
    ids=["bomb-contracts", "bomb-firm", "deep-contracts", "deep-firm"],
)
def test_import_refuses_hostile_yaml_with_one_line(tmp_path, db_path, capsys, name, text, reason):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    (folder / name).write_text(text)
    code, _, err = run_import(folder, db_path, capsys)
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: {name}: line ") and reason in err


def test_import_refuses_an_oversized_yaml_file_without_reading_it(tmp_path, db_path, capsys):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    big = folder / "contracts.yaml"
    with big.open("w") as f:
        f.write("contracts:\n")
        f.write(("# padding comment line\n") * (MAX_YAML_BYTES // 20))
    assert big.stat().st_size > MAX_YAML_BYTES
    code, _, err = run_import(folder, db_path, capsys)
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("error: contracts.yaml: file is ") and "over the 4 MB limit" in err
