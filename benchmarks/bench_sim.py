"""Analytical model vs SCALE-Sim: cycle-error distribution and evaluations per second.

Runs a validation set of (array, GEMM) pairs through SCALE-Sim (uncached) and the analytical
model, prints the relative cycle errors (min / median / max) and the speed ratio
(analytical GEMM evaluations per second / SCALE-Sim GEMM evaluations per second).
"""

from __future__ import annotations

import itertools
import time

import numpy as np

from carbonflow.flows.cache import Cache
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.model.config import VIT_B_16
from carbonflow.sim.analytical import analytical_perf
from carbonflow.sim.scalesim_runner import run_scalesim
from carbonflow.sim.workload import extract_gemms, gemm_arrays


def main() -> None:
    arrays = [(4, 4), (8, 8), (16, 16), (8, 16), (32, 32)]
    shapes = [(17, 33, 65), (64, 64, 64), (197, 96, 48), (77, 128, 64), (50, 200, 30)]
    errs, sim_s, n_sim = [], 0.0, 0
    for df, (r, c) in itertools.product(("os", "ws"), arrays):
        cfg = AcceleratorConfig(rows=r, cols=c, dataflow=df, ifmap_kb=64, filter_kb=64,
                                ofmap_kb=64)
        t = time.time()
        res = run_scalesim(cfg, shapes, cache=Cache("scalesim", enabled=False))
        sim_s += time.time() - t
        n_sim += len(shapes)
        ana = analytical_perf(cfg, *np.array(shapes).T)
        errs += [abs(int(a) - s["cycles"]) / s["cycles"] for a, s in zip(ana["cycles"], res)]
    errs = np.array(errs)
    print(f"validation pairs: {len(errs)}; |cycle error| min {errs.min():.4%}, "
          f"median {np.median(errs):.4%}, max {errs.max():.4%}")
    g = gemm_arrays(extract_gemms(VIT_B_16))
    cfg = AcceleratorConfig(rows=16, cols=16)
    reps = 2000
    t = time.time()
    for _ in range(reps):
        analytical_perf(cfg, g["m"], g["n"], g["k"])
    ana_rate = reps * len(g["m"]) / (time.time() - t)
    sim_rate = n_sim / sim_s
    print(f"SCALE-Sim: {sim_rate:.1f} GEMM evaluations/s; analytical: {ana_rate:,.0f}/s; "
          f"speed ratio {ana_rate / sim_rate:,.0f}x")


if __name__ == "__main__":
    main()
