import numpy as np
import pytest

from carbonflow.carbon.embodied import carbon_per_cm2_g, embodied_carbon
from carbonflow.carbon.grid import bundled_series, load_series, resolve_intensity
from carbonflow.carbon.operational import Usage, operational_carbon_kg, total_carbon
from carbonflow.carbon.schedule import flexible_start, pause_resume
from carbonflow.carbon.training import PATTERSON_2021, estimate_from_flops, estimate_from_run
from carbonflow.flows.cli import main
from carbonflow.flows.errors import ConfigError


def test_act_carbon_per_area_by_hand():
    # 7 nm, Taiwan 524 g/kWh, 95 % abatement: (524 * 2.15 + 350 + 500) / 0.875
    assert carbon_per_cm2_g(7) == pytest.approx((524 * 2.15 + 350 + 500) / 0.875)
    # 28 nm, 99 % abatement, clean fab (0 g/kWh), perfect yield: 100 + 500
    assert carbon_per_cm2_g(28, fab_ci_g_per_kwh=0, abatement=99, fab_yield=1.0) == 600
    # 22 nm is charged as ACT's 20 nm row
    assert carbon_per_cm2_g(22) == carbon_per_cm2_g(20)
    assert carbon_per_cm2_g(3) > carbon_per_cm2_g(7) > carbon_per_cm2_g(28)


def test_embodied_breakdown_by_hand():
    e = embodied_carbon(100.0, 7, dram_gb=2, dram_type="lpddr4", ssd_gb=10)
    assert e.die_kg == pytest.approx(carbon_per_cm2_g(7) * 1.0 / 1000)
    assert e.packaging_kg == pytest.approx(0.150 / 0.875)
    assert e.dram_kg == pytest.approx(2 * 48 / 1000)
    assert e.ssd_kg == pytest.approx(10 * 6.3 / 1000)
    assert e.total_kg == pytest.approx(e.die_kg + e.packaging_kg + e.dram_kg + e.ssd_kg)


@pytest.mark.parametrize("kwargs, message", [
    (dict(die_area_mm2=-1.0, node_nm=7), r"^die_area_mm2 must be in \(0, inf\), got -1\.0$"),
    (dict(die_area_mm2=1.0, node_nm=45), r"^node_nm must be one of 28, 22, 20, 14, 10, 7, 5, 3 "
                                         r"for embodied carbon \(ACT fab data\); got 45$"),
    (dict(die_area_mm2=1.0, node_nm=7, dram_type="hbm9"), r"^dram_type must be one of"),
])
def test_embodied_bad_inputs(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        embodied_carbon(**kwargs)


def test_operational_and_total_by_hand():
    usage = Usage(lifetime_years=3, inferences_per_s=1)
    # 1 J per inference for 3 * 8760 * 3600 s = 94.608 MJ = 26.28 kWh at 224 g/kWh
    assert operational_carbon_kg(1.0, usage, 224) == pytest.approx(26.28 * 0.224)
    rep = total_carbon(10.0, 1.0, Usage(lifetime_years=3, embodied_share=0.5), 224)
    assert rep.embodied_charged_kg == 5.0
    assert rep.total_kg == pytest.approx(5.0 + 26.28 * 0.224)
    with pytest.raises(ConfigError, match=r"^lifetime_years must be in \(0, 50\], got -1$"):
        Usage(lifetime_years=-1)


def test_series_gaps_are_interpolated_or_refused(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("timestamp,avg_CI\n2022-01-01 00:00:00+00:00,100\n2022-01-01 01:00:00+00:00,\n"
                 "2022-01-01 02:00:00+00:00,\n2022-01-01 03:00:00+00:00,400\n")
    s = load_series(p)
    assert list(s.values) == [100, 200, 300, 400] and s.filled == 2
    with pytest.raises(ConfigError, match=r"has a gap of 2 hours; max_gap_hours is 1"):
        load_series(p, max_gap_hours=1)
    p.write_text("timestamp,avg_CI\n2022-01-01 00:00:00+00:00,100\n2022-01-01 02:00:00+00:00,50\n")
    with pytest.raises(ConfigError, match=r"is not hourly"):
        load_series(p)
    p.write_text("timestamp,avg_CI\n2022-01-01 00:00:00+00:00,\n2022-01-01 01:00:00+00:00,50\n")
    with pytest.raises(ConfigError, match=r"first or last row"):
        load_series(p)
    p.write_text("timestamp,avg_CI\n2022-01-01 00:00:00+00:00,-3\n2022-01-01 01:00:00+00:00,50\n")
    with pytest.raises(ConfigError, match=r"avg_CI must be >= 0, got -3"):
        load_series(p)


def test_bundled_series_match_their_provenance():
    """PROVENANCE.md: CISO mean 256, PJM 363, BPAT 55 g/kWh; CISO 3 and PJM 23 missing rows."""
    ciso, pjm, bpat = (bundled_series(r) for r in ("CISO", "PJM", "BPAT"))
    assert len(ciso) == len(pjm) == len(bpat) == 8760
    assert (round(ciso.mean), round(pjm.mean), round(bpat.mean)) == (256, 363, 55)
    assert (ciso.filled, pjm.filled, bpat.filled) == (3, 23, 0)
    # solar cycle: CISO is cleaner at 20:00 UTC than at 06:00 UTC
    assert ciso.mean_over_hours_of_day([20]) < ciso.mean_over_hours_of_day([6])
    assert resolve_intensity("california")[0] == 224.0
    with pytest.raises(ConfigError, match=r"^grid must be a number"):
        resolve_intensity("mars")


def test_schedules_by_hand():
    v = np.array([10, 1, 1, 10, 10, 10], dtype=float)
    # 1-hour job, window 1: starts 0..4; best of (v[t], v[t+1])
    r = flexible_start(v, 1, 1)
    want = np.mean([1 - 1 / 10, 0, 1 - 1 / 1, 0, 0])
    assert r.starts == 5 and r.saving == pytest.approx(want)
    # 2-hour job, 100 % slack: cleanest 2 of 4 hours from each start t=0..2
    r = pause_resume(v, 2, 1.0)
    base = [11, 2, 11]
    best = [2, 2, 11]
    assert r.starts == 3
    assert r.saving == pytest.approx(np.mean([1 - b / a for a, b in zip(base, best)]))
    with pytest.raises(ConfigError, match=r"^hours must be in \[1, 6\], got 7$"):
        flexible_start(v, 7, 0)


@pytest.mark.parametrize("model", sorted(PATTERSON_2021))
def test_patterson_2021_table_4_within_10_percent(model):
    row = PATTERSON_2021[model]
    est = estimate_from_run(device=row["device"], devices=row["devices"], days=row["days"],
                            pue=row["pue"], ci_g_per_kwh=row["ci"],
                            avg_system_w=row["avg_system_w"], include_embodied=False)
    assert est.energy_mwh == pytest.approx(row["mwh"], rel=0.10)
    assert est.operational_t == pytest.approx(row["tco2e"], rel=0.10)


def test_gpt3_from_flops_recovers_the_reported_days():
    """6 * 175e9 * 300e9 = 3.15e23 FLOPs on 10,000 V100 at the measured 24.6 TFLOP/s: 14.8 days."""
    est = estimate_from_flops(params=175e9, tokens=300e9, device="v100", devices=10000, pue=1.1,
                              ci_g_per_kwh=429)
    assert est.flops == pytest.approx(3.15e23)
    assert est.days == pytest.approx(14.8, rel=0.02)
    assert est.total_t > est.operational_t > 500
    piped = estimate_from_flops(params=175e9, tokens=300e9, device="v100", devices=10000,
                                pue=1.1, ci_g_per_kwh=429, pipeline_stages=8, micro_batches=28)
    assert piped.days == pytest.approx(est.days * (1 + 7 / 28))
    moe = estimate_from_flops(params=1.5e12, tokens=300e9, active_fraction=0.001, device="tpuv3",
                              devices=1024, pue=1.1, ci_g_per_kwh=330)
    assert moe.flops == pytest.approx(6 * 1.5e9 * 300e9)


def test_cli_train_carbon_and_schedule(capsys, tmp_path):
    assert main(["train-carbon", "--params", "175e9", "--tokens", "300e9", "--device", "v100",
                 "--count", "10000", "--grid", "429"]) == 0
    out = capsys.readouterr().out
    assert "MWh" in out and "tCO2e" in out
    assert main(["train-carbon", "--device", "v100", "--count", "0", "--days", "1"]) == 2
    assert "devices must be in [1, inf), got 0" in capsys.readouterr().err
    assert main(["schedule", "--series", "BPAT", "--hours", "8", "--window", "12"]) == 0
    out = capsys.readouterr().out
    assert "Flexible Start" in out and "+12 h" in out and "Pause and Resume" in out
    assert main(["schedule", "--series", str(tmp_path / "none.csv"), "--hours", "8"]) == 2


def test_cli_carbon_total(tmp_path, capsys):
    import json
    (tmp_path / "d.json").write_text(json.dumps({"rows": 16, "cols": 16, "node_nm": 7}))
    assert main(["carbon", "--model", "ViT-B-16", "--design", str(tmp_path / "d.json"),
                 "--grid", "BPAT", "--area-mm2", "2.0", "--out", str(tmp_path / "c.json")]) == 0
    doc = json.loads((tmp_path / "c.json").read_text())
    assert doc["perf"]["die_area_mm2"] == 2.0
    assert doc["embodied"]["die_kg"] == pytest.approx(carbon_per_cm2_g(7) * 0.02 / 1000)
    c = doc["carbon"]
    assert c["total_kg"] == pytest.approx(c["embodied_charged_kg"] + c["operational_kg"])
    assert "BPAT hourly series" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text(json.dumps({"rows": 16, "node_nm": 45}))
    assert main(["carbon", "--model", "ViT-B-16", "--design", str(tmp_path / "bad.json")]) == 2
