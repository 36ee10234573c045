import json

import pytest

from carbonflow.flows.errors import ConfigError
from carbonflow.hw.config import AcceleratorConfig, load_design, save_design


def test_defaults_are_valid_and_hashable():
    cfg = AcceleratorConfig()
    assert {cfg: 1}[AcceleratorConfig()] == 1
    assert cfg.a_depth == 64 * 8192 // (8 * 8)


@pytest.mark.parametrize("kwargs, message", [
    ({"rows": 0}, r"^rows must be in \[1, 256\], got 0$"),
    ({"cols": 300}, r"^cols must be in \[1, 256\], got 300$"),
    ({"rows": 2.5}, r"^rows must be an integer in \[1, 256\], got 2\.5$"),
    ({"acc_width": 12}, r"^acc_width must be in \[16, 64\], got 12$"),
    ({"dataflow": "is"}, r"^dataflow must be one of 'os', 'ws'; got 'is'$"),
    ({"node_nm": 16}, r"^node_nm must be one of .*; got 16$"),
    ({"freq_mhz": 0}, r"^freq_mhz must be in \[1, 5000\], got 0$"),
    ({"ifmap_kb": 0}, r"^ifmap_kb must be in \[1, 65536\], got 0$"),
])
def test_bad_values_name_parameter_range_and_value(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        AcceleratorConfig(**kwargs)


def test_buffer_too_small_for_one_word():
    # a 256-wide array of 64-bit accumulators needs 2 KiB per C word
    with pytest.raises(ConfigError, match=r"ofmap_kb=1 holds no full array-wide word"):
        AcceleratorConfig(rows=256, cols=256, acc_width=64, ofmap_kb=1)


def test_json_round_trip_and_unknown_keys(tmp_path):
    cfg = AcceleratorConfig(rows=4, cols=2, dataflow="ws")
    save_design(cfg, tmp_path / "d.json")
    assert load_design(tmp_path / "d.json") == cfg
    (tmp_path / "bad.json").write_text(json.dumps({"rows": 4, "colz": 2}))
    with pytest.raises(ConfigError, match=r"unknown design parameter\(s\) colz"):
        load_design(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match=r"does not exist"):
        load_design(tmp_path / "missing.json")
