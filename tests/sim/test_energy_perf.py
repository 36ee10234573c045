import json

import pytest

from carbonflow.flows.cli import main
from carbonflow.flows.errors import ConfigError
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.model.config import TINY_CLIP, VIT_B_16
from carbonflow.sim.energy import (DRAM_PJ_PER_BYTE, MAC_PJ_45, EnergyModel, node_energy_scale,
                                   sram_pj_per_byte)
from carbonflow.sim.perf import simulate
from carbonflow.sim.workload import extract_gemms, total_macs


def test_horowitz_points_are_reproduced_at_45nm():
    assert MAC_PJ_45 == pytest.approx(0.3)
    assert node_energy_scale(45) == pytest.approx(1.0)
    assert sram_pj_per_byte(8 * 1024) == pytest.approx(10 / 8)
    assert sram_pj_per_byte(32 * 1024) == pytest.approx(20 / 8)
    assert sram_pj_per_byte(1024 * 1024) == pytest.approx(100 / 8)
    # halfway (in log capacity) between 8 KB and 32 KB: sqrt(10 * 20) pJ per 64 bits
    assert sram_pj_per_byte(16 * 1024) == pytest.approx((10 * 20) ** 0.5 / 8)
    assert DRAM_PJ_PER_BYTE == pytest.approx(243.75)


def test_node_scaling_is_cv2():
    # 7 nm: length sqrt(57*40)/sqrt(160*150), voltage 0.75/0.9
    want = (57 * 40) ** 0.5 / (160 * 150) ** 0.5 * (0.75 / 0.9) ** 2
    assert node_energy_scale(7) == pytest.approx(want)
    with pytest.raises(ConfigError, match=r"^node_nm must be one of"):
        node_energy_scale(11)


def test_energy_model_of_a_design():
    em = EnergyModel.for_design(AcceleratorConfig(node_nm=45, ifmap_kb=32), die_area_mm2=1.0)
    assert em.mac_j == pytest.approx(0.3e-12)
    assert em.ifmap_sram_j_per_byte == pytest.approx(2.5e-12)
    assert em.leakage_w >= 0


def test_simulate_totals_add_up_and_follow_the_hand_model():
    hw = AcceleratorConfig(rows=8, cols=8, node_nm=45, freq_mhz=100)
    perf = simulate(TINY_CLIP, hw)
    assert perf.macs == total_macs(extract_gemms(TINY_CLIP))
    assert perf.latency_s == pytest.approx(perf.cycles / 100e6)
    b = perf.breakdown_j()
    assert b["mac"] == pytest.approx(perf.macs * 0.3e-12)
    assert perf.energy_j == pytest.approx(sum(b.values()))
    # a 4x larger array is faster on a large model
    big = simulate(VIT_B_16, AcceleratorConfig(rows=16, cols=16))
    small = simulate(VIT_B_16, AcceleratorConfig(rows=8, cols=8))
    assert big.latency_s < small.latency_s
    with pytest.raises(ConfigError, match=r"^engine must be one of 'analytical', 'scalesim'"):
        simulate(TINY_CLIP, hw, engine="magic")


@pytest.mark.scalesim
def test_scalesim_engine_agrees_with_analytical_on_the_tiny_model():
    hw = AcceleratorConfig(rows=4, cols=4, ifmap_kb=16, filter_kb=16, ofmap_kb=16)
    a = simulate(TINY_CLIP, hw)
    s = simulate(TINY_CLIP, hw, engine="scalesim")
    assert s.cycles == pytest.approx(a.cycles, rel=0.05)
    assert s.energy_j == pytest.approx(a.energy_j, rel=0.10)


def test_cli_simulate_prints_table_and_totals(tmp_path, capsys):
    (tmp_path / "d.json").write_text(json.dumps({"rows": 8, "cols": 8}))
    rc = main(["simulate", "--model", "ViT-B-16", "--design", str(tmp_path / "d.json"),
               "--out", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "vision.qkv" in out and "text.ffn2" in out and "total:" in out
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["macs"] == total_macs(extract_gemms(VIT_B_16))
    assert len((tmp_path / "r.csv").read_text().splitlines()) == 1 + len(doc["layers"])
    rc = main(["simulate", "--model", "ViT-Z", "--design", str(tmp_path / "d.json")])
    assert rc == 2 and "neither a known base model" in capsys.readouterr().err
