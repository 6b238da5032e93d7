"""The [classify] table of the rules config: defaults, the shipped file, and bad values named."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from rules.classify.config import ClassifyConfig, load_classify_config
from rules.config import load_config


def test_the_shipped_config_keeps_auto_apply_off():
    config = load_classify_config()
    assert (config.auto_apply, config.auto_apply_threshold) == (False, 0.98)
    assert {r.vendor for r in config.vendor_rules} == {"Figma", "JetBrains", "Slack"}
    assert config.split_rules[0].splits == {"P-7": 60, "P-11": 40}
    load_config()  # the rules' own loader accepts the [classify] table


def test_cost_is_exact_per_million_tokens():
    cost = ClassifyConfig().cost(
        {
            "input_tokens": 3,
            "output_tokens": 7,
            "cache_creation_input_tokens": 11,
            "cache_read_input_tokens": 13,
        }
    )
    # 3 x 1.00 + 7 x 5.00 + 11 x 1.25 + 13 x 0.10 = 3 + 35 + 13.75 + 1.3 = 53.05 per million
    assert cost == D("0.00005305")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[classify]\nauto_aply = true\n", "unknown key"),
        ("[classify]\nauto_apply = 1\n", "auto_apply"),
        ('[classify]\nllm_price_input = "-1"\n', "llm_price_input"),
        (
            '[[classify.split_rules]]\nmatch = "x"\nsplits = { "P-1" = 60, "P-2" = 30 }\n',
            "add up to 100",
        ),
        ('[classify]\nrush_pattern = "("\n', "rush_pattern"),
    ],
)
def test_bad_values_are_named(tmp_path, text, message):
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_classify_config(path)
