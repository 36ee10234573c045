import json
from pathlib import Path

import pytest

from carbonflow.flows.cli import main
from carbonflow.flows.config import load_flow_config
from carbonflow.flows.errors import ConfigError
from carbonflow.flows.flow import scaled_for_simulation, scaled_for_synthesis
from carbonflow.hw.config import AcceleratorConfig

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_configs_load():
    for name in ("default", "large"):
        cfg = load_flow_config(ROOT / "flows" / f"{name}.toml")
        assert cfg.name == name and cfg.search.evaluations > 0


@pytest.mark.parametrize("text, message", [
    ("[serach]\nseed = 1\n", r"unknown section\(s\) serach; known: carbon"),
    ("[search]\nsed = 1\n", r"unknown key\(s\) in \[search\]: sed; known: algorithm"),
    ("[search]\nseed = \"one\"\n", r"^search.seed must be int, got 'one'$"),
    ("[search]\npop_size = 2\n", r"^search.pop_size must be in \[4, 10000\], got 2$"),
    ("[constraints]\nlatency_max_s = -1\n", r"^constraints.latency_max_s must be in \(0, inf\)"),
    ("[hardware]\nnode_nm = [45]\n", r"node_nm must be one of .* for embodied carbon"),
    ("[hardware]\nrows = []\n", r"^hardware.rows needs at least one choice$"),
    ("[carbon]\nlifetime_years = 0\n", r"^lifetime_years must be in \(0, 50\], got 0.0$"),
    ("[search\n", r"is not valid TOML"),
])
def test_bad_flow_configs_are_rejected(tmp_path, text, message):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_flow_config(p)


def test_cli_bad_config_exits_2_and_writes_nothing(tmp_path, capsys):
    p = tmp_path / "bad.toml"
    p.write_text("[search]\nmode = \"speed\"\n")
    assert main(["flow", "--config", str(p), "--out", str(tmp_path / "out")]) == 2
    assert "search.mode must be one of" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_scaling_helpers():
    big = AcceleratorConfig(rows=32, cols=16, dataflow="ws")
    sim = scaled_for_simulation(big, 8)
    assert (sim.rows, sim.cols, sim.dataflow) == (8, 8, "ws")
    syn = scaled_for_synthesis(big, 128)
    assert syn.rows * syn.cols <= 128 and syn.rows / syn.cols == 2
    assert scaled_for_synthesis(AcceleratorConfig(rows=4, cols=4), 128).rows == 4


@pytest.mark.slow
@pytest.mark.torch
@pytest.mark.sim
@pytest.mark.yosys
def test_end_to_end_flow_writes_a_complete_report(tmp_path, capsys):
    pytest.importorskip("open_clip")
    cfg = tmp_path / "tiny.toml"
    cfg.write_text(f"""
[flow]
name = "tiny"
out_dir = "{tmp_path / 'run'}"
[search]
pop_size = 8
generations = 3
workers = 1
[model]
accuracy_samples = 3
verify_front = 2
base_steps = 300
finetune_steps = 20
[constraints]
accuracy_min = 0.2
[verify]
max_sim_array = 4
max_synth_pes = 16
""")
    assert main(["flow", "--config", str(cfg), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "carbon-optimal" in out and "verification: PASS" in out
    rep = tmp_path / "run" / "report"
    for f in ("summary.html", "summary.json", "pareto.png", "evaluations.csv", "front.csv",
              "chosen_design.json", "comparison.json", "synth.json", "verify.json",
              "rtl/carbonflow_accel.v", "rtl/design.json"):
        assert (rep / f).exists(), f
    summary = json.loads((rep / "summary.json").read_text())
    assert summary["verification"]["passed"] and summary["synthesis"]["run"]
    assert summary["evaluations"] == len((rep / "evaluations.csv").read_text().splitlines()) - 1
    chosen = json.loads((rep / "chosen_design.json").read_text())
    assert AcceleratorConfig.from_dict(chosen["hw"]) == AcceleratorConfig.from_dict(
        json.loads((rep / "rtl" / "design.json").read_text()))
    assert not list((tmp_path / "run").glob(".report-*"))
    # resuming the finished search evaluates nothing new
    assert main(["flow", "--config", str(cfg), "--quiet", "--resume"]) == 0
    summary2 = json.loads((rep / "summary.json").read_text())
    assert summary2["new_evaluations"] == 0
    assert summary2["evaluations"] == summary["evaluations"]
