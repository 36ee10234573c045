"""Synthesis and RTL-simulation time for 4x4, 8x8 and 16x16 arrays (both dataflows).

Prints, per design: yosys wall time, logic area, cells, and the Icarus/cocotb wall time and
simulated cycles of one tiled GEMM; then the 8x8/4x4 and 16x16/8x8 area ratios (ideally ~4,
the PE-count ratio). Usage: python benchmarks/bench_hw.py [--sizes 4 8 16] [--dataflows os ws]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from carbonflow.flows.cache import Cache
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.hw.synth import synthesize
from carbonflow.hw.verify import have_icarus, run_gemm_cases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 16])
    ap.add_argument("--dataflows", nargs="+", default=["os", "ws"])
    args = ap.parse_args()
    for df in args.dataflows:
        areas = {}
        for n in args.sizes:
            cfg = AcceleratorConfig(rows=n, cols=n, dataflow=df, ifmap_kb=16, filter_kb=16,
                                    ofmap_kb=32)
            t = time.time()
            rep = synthesize(cfg, cache=Cache("synth", enabled=False))
            synth_s = time.time() - t
            areas[n] = rep.logic_area_um2
            sim = ""
            if have_icarus():
                with tempfile.TemporaryDirectory() as tmp:
                    t = time.time()
                    case = {"m": 2 * n + 3, "n": 2 * n + 1, "k": 3 * n}
                    tests, failed = run_gemm_cases(cfg, [case], Path(tmp))
                    sim = (f", RTL sim {time.time() - t:.1f} s "
                           f"({'pass' if tests == 1 and not failed else 'FAIL'}, GEMM "
                           f"{case['m']}x{case['k']}x{case['n']})")
            print(f"{df} {n}x{n}: synth {synth_s:.1f} s, logic {rep.logic_area_um2:,.0f} um2, "
                  f"{rep.cell_count} cells, ~{rep.fmax_mhz_est:.0f} MHz{sim}", flush=True)
        ns = sorted(areas)
        for a, b in zip(ns, ns[1:]):
            print(f"{df} area ratio {b}x{b} / {a}x{a} = {areas[b] / areas[a]:.2f} "
                  f"(PE ratio {(b / a) ** 2:.0f})")


if __name__ == "__main__":
    main()
