"""SCALE-Sim wrapper and the analytical model checked against it."""

import numpy as np
import pytest

from carbonflow.flows.cache import Cache
from carbonflow.flows.errors import ConfigError, SimulationError
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.sim.analytical import analytical_perf
from carbonflow.sim.scalesim_runner import render_config, run_scalesim

pytestmark = pytest.mark.scalesim

#: Validation set: 24 (array, GEMM) pairs over both dataflows, square and non-square arrays,
#: GEMMs smaller and larger than the array, and buffers that do and do not hold the operands.
VALIDATION = [
    (dict(rows=r, cols=c, dataflow=df, ifmap_kb=kb, filter_kb=kb, ofmap_kb=kb), shape)
    for df in ("os", "ws")
    for (r, c, kb) in ((4, 4, 64), (8, 8, 1), (8, 4, 16), (16, 16, 64))
    for shape in ((3, 5, 7), (20, 12, 30), (65, 33, 17))
]


def test_wrapper_runs_tiny_gemms_and_caches(tmp_path):
    cfg = AcceleratorConfig(rows=4, cols=4, ifmap_kb=8, filter_kb=8, ofmap_kb=8)
    cache = Cache("scalesim", root=tmp_path)
    first = run_scalesim(cfg, [(4, 4, 4), (9, 3, 5)], cache=cache)
    assert [r["cached"] for r in first] == [False, False]
    assert first[0]["cycles"] > 4 and first[0]["sram_ifmap_reads"] == 16
    again = run_scalesim(cfg, [(9, 3, 5), (4, 4, 4)], cache=cache)
    assert [r["cached"] for r in again] == [True, True]
    assert again[1]["cycles"] == first[0]["cycles"]
    # another dataflow is another key
    ws = run_scalesim(AcceleratorConfig(rows=4, cols=4, dataflow="ws", ifmap_kb=8, filter_kb=8,
                                        ofmap_kb=8), [(4, 4, 4)], cache=cache)
    assert ws[0]["cached"] is False


@pytest.mark.parametrize("shape, bad", [((0, 4, 4), "M"), ((4, -1, 4), "N"), ((4, 4, 2.5), "K")])
def test_bad_gemm_dimensions_are_refused_before_running(shape, bad):
    cfg = AcceleratorConfig(rows=2, cols=2)
    with pytest.raises(ConfigError, match=rf"^GEMM dimension {bad} must be a positive integer"):
        run_scalesim(cfg, [shape], cache=Cache("scalesim", enabled=False))
    with pytest.raises(ConfigError, match=r"^GEMM dimension . must be >= 1"):
        analytical_perf(cfg, [0], [1], [1])


def test_unknown_dataflow_is_refused():
    with pytest.raises(ConfigError, match=r"^dataflow must be one of 'os', 'ws'; got 'rs'$"):
        AcceleratorConfig(dataflow="rs")


def test_scalesim_failure_becomes_simulation_error(monkeypatch):
    import scalesim.scale_sim as ss

    def boom(self, top_path="."):
        print("ERROR: something inside SCALE-Sim")
        raise SystemExit(1)

    monkeypatch.setattr(ss.scalesim, "run_scale", boom)
    with pytest.raises(SimulationError, match=r"SCALE-Sim exited \(code 1\)(.|\n)*something inside"):
        run_scalesim(AcceleratorConfig(rows=2, cols=2), [(2, 2, 2)],
                     cache=Cache("scalesim", enabled=False))


def test_config_text_names_every_section():
    text = render_config(AcceleratorConfig(rows=3, cols=5, dataflow="ws", ifmap_kb=7))
    for s in ("[general]", "[architecture_presets]", "[layout]", "[sparsity]", "[run_presets]"):
        assert s in text
    assert "ArrayHeight = 3\nArrayWidth = 5" in text and "Dataflow = ws" in text
    assert "ifmapsramszkB = 7" in text


def test_analytical_cycles_within_5_percent_of_scalesim(tmp_path):
    assert len(VALIDATION) >= 20
    cache = Cache("scalesim", root=tmp_path)
    errs, access_errs = [], []
    by_cfg: dict[AcceleratorConfig, list] = {}
    for kw, shape in VALIDATION:
        by_cfg.setdefault(AcceleratorConfig(**kw), []).append(shape)
    for cfg, shapes in by_cfg.items():
        sim = run_scalesim(cfg, shapes, cache=cache)
        ana = analytical_perf(cfg, *np.array(shapes).T)
        for i, r in enumerate(sim):
            errs.append(abs(ana["cycles"][i] - r["cycles"]) / r["cycles"])
            for f in ("sram_ifmap_reads", "sram_filter_reads", "sram_ofmap_writes"):
                access_errs.append(abs(ana[f][i] - r[f]) / max(1, r[f]))
            if cfg.ifmap_kb >= 16:  # 1 KiB buffers: SCALE-Sim's partial prefetch reuse differs
                for f in ("dram_ifmap_reads", "dram_filter_reads", "dram_ofmap_writes"):
                    access_errs.append(abs(ana[f][i] - r[f]) / max(1, r[f]))
    assert max(errs) <= 0.05, max(errs)
    assert max(access_errs) <= 0.05, max(access_errs)
