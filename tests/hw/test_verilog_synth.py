import json
import re

import pytest

from carbonflow.flows.cache import Cache
from carbonflow.flows.cli import main
from carbonflow.flows.errors import ConfigError
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.hw.synth import DEFAULT_LIBERTY, fo4_delay_ps, render_script, synthesize
from carbonflow.hw.tech import NODE_DATA, logic_area_scale, sram_area_um2
from carbonflow.hw.verilog import TOP_NAME, buffer_module_names, generate_verilog


def test_verilog_is_deterministic_and_has_the_documented_ports():
    cfg = AcceleratorConfig(rows=2, cols=3, ifmap_kb=1, filter_kb=1, ofmap_kb=1)
    a, b = generate_verilog(cfg), generate_verilog(cfg)
    assert a == b
    header = re.search(rf"module {TOP_NAME}\((.*?)\);", a).group(1)
    for port in ("clk", "rst", "cmd__valid", "cmd__ready", "cmd__payload", "busy", "done", "error",
                 "a_wr__en", "a_wr__addr", "a_wr__data", "b_wr__data", "c_rd__addr", "c_rd__data"):
        assert port in header
    assert re.search(r"input \[15:0\] a_wr__data;", a)  # rows * in_width
    assert re.search(r"output \[95:0\] c_rd__data;", a)  # cols * acc_width
    assert generate_verilog(AcceleratorConfig(rows=2, cols=3, dataflow="ws", ifmap_kb=1,
                                              filter_kb=1, ofmap_kb=1)) != a


def test_cli_verilog_writes_verilog_and_design(tmp_path, capsys):
    (tmp_path / "d.json").write_text(json.dumps({"rows": 2, "cols": 2, "ifmap_kb": 1,
                                                 "filter_kb": 1, "ofmap_kb": 1}))
    assert main(["verilog", "--design", str(tmp_path / "d.json"), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / f"{TOP_NAME}.v").read_text().count("module ") > 4
    assert json.loads((tmp_path / "o" / "design.json").read_text())["rows"] == 2
    (tmp_path / "bad.json").write_text(json.dumps({"rows": 2, "dataflow": "rs"}))
    assert main(["verilog", "--design", str(tmp_path / "bad.json"), "--out", str(tmp_path / "x")]) == 2
    assert "dataflow must be one of 'os', 'ws'; got 'rs'" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_script_blackboxes_buffers_and_reports_to_files():
    text = render_script("design.il", TOP_NAME, "/lib.lib", buffer_module_names(), ".")
    for b in buffer_module_names():
        assert f"blackbox {b}\n" in text
    assert f"synth -top {TOP_NAME} -flatten" in text
    assert "tee -q -o ./stat.json stat -json -liberty /lib.lib" in text
    assert text.index("ltp -noff") < text.index("dfflibmap")


def test_fo4_from_the_liberty_tables():
    # NAND2X1, pin A (0.0125 pF): load 0.05 pF lies halfway between the 0.025 and 0.075 rows;
    # at the 0.18 ns slew column rise = (0.133733 + 0.217849)/2, fall = (0.074012 + 0.143174)/2.
    want = 1000 * ((0.133733 + 0.217849) / 2 + (0.074012 + 0.143174) / 2) / 2
    assert fo4_delay_ps(DEFAULT_LIBERTY) == pytest.approx(want, rel=1e-6)


def test_node_scaling_rules():
    assert logic_area_scale(45) == pytest.approx(160 * 150e-6 / 0.8)
    assert logic_area_scale(7) < logic_area_scale(28) < logic_area_scale(45) < 1
    assert sram_area_um2(8 * 1024, 7) == pytest.approx(8192 * NODE_DATA[7].bitcell_um2 / 0.7)
    with pytest.raises(ConfigError, match=r"^node_nm must be one of .*; got 16$"):
        logic_area_scale(16)


@pytest.mark.yosys
def test_synthesis_area_grows_with_the_pe_count(tmp_path):
    """A 4x4 array has 4x the PEs of a 2x2 one: its logic area should be close to 4x."""
    small = synthesize(AcceleratorConfig(rows=2, cols=2, ifmap_kb=1, filter_kb=1, ofmap_kb=1),
                       keep_dir=tmp_path / "k")
    big = synthesize(AcceleratorConfig(rows=4, cols=4, ifmap_kb=1, filter_kb=1, ofmap_kb=1))
    ratio = big.logic_area_um2 / small.logic_area_um2
    assert 3.0 < ratio < 4.5, ratio
    assert small.cell_count > 100 and small.flipflops > 2 * 2 * 32
    assert small.logic_depth and small.fmax_mhz_est > 1
    assert (tmp_path / "k" / "yosys.log").exists()
    # cache: same design, no yosys run needed, same key and numbers
    again = synthesize(AcceleratorConfig(rows=2, cols=2, ifmap_kb=1, filter_kb=1, ofmap_kb=1),
                       cache=Cache("synth"))
    assert again.cache_key == small.cache_key and again.logic_area_um2 == small.logic_area_um2
    # SRAM area comes from the bit model, not flip-flops: doubling buffers leaves logic ~same
    bigbuf = synthesize(AcceleratorConfig(rows=2, cols=2, ifmap_kb=2, filter_kb=2, ofmap_kb=2))
    assert bigbuf.logic_area_um2 < 1.1 * small.logic_area_um2
    assert bigbuf.scaled["28"]["sram_um2"] == pytest.approx(2 * small.scaled["28"]["sram_um2"])


@pytest.mark.yosys
@pytest.mark.parametrize("dataflow", ["os", "ws"])
def test_area_model_predicts_a_fresh_synthesis(dataflow):
    """The calibrated model (hw/area_calibration.json) against a size it was not fitted on."""
    from carbonflow.hw.area_model import logic_area_um2_180

    cfg = AcceleratorConfig(rows=3, cols=5, dataflow=dataflow, ifmap_kb=1, filter_kb=1,
                            ofmap_kb=1)
    measured = synthesize(cfg).logic_area_um2
    assert logic_area_um2_180(cfg) == pytest.approx(measured, rel=0.10)
