"""NSGA-II vs random search at the same evaluation budget: hypervolume of the feasible front.

Both searches use the same accuracy oracle (the synthetic proxy's real samples + surrogate, from
the cache once `make flow` has run) and the same hardware model. Objectives (carbon mode):
total carbon (kg, log10) and -accuracy; the reference point is the worst feasible value of each
over both runs, 10 % beyond. Prints both hypervolumes and their ratio for several seeds.
Usage: python benchmarks/bench_search.py [--seeds 1 2 3] [--budget 288]
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace

import numpy as np
from pymoo.indicators.hv import HV

from carbonflow.flows.config import load_flow_config
from carbonflow.search.run import run_search, violations


def _feasible_F(res, s):
    pts = [p for p in res.points if max(violations(p, s, "search_accuracy")) <= 0]
    return np.array([[np.log10(p["carbon_kg"]), -p["search_accuracy"]] for p in pts])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--config", default="flows/default.toml")
    args = ap.parse_args()
    base = load_flow_config(args.config).search
    ratios = []
    for seed in args.seeds:
        F = {}
        for algo in ("nsga2", "random"):
            s = replace(base, algorithm=algo, seed=seed, verify_front=0)
            with tempfile.TemporaryDirectory() as tmp:
                F[algo] = _feasible_F(run_search(s, tmp, progress=False), s)
        allF = np.vstack([f for f in F.values() if len(f)])
        ref = allF.max(axis=0) + 0.1 * np.abs(allF.max(axis=0) - allF.min(axis=0)) + 1e-9
        hv = {a: (HV(ref_point=ref)(f) if len(f) else 0.0) for a, f in F.items()}
        ratio = hv["nsga2"] / hv["random"] if hv["random"] else float("inf")
        ratios.append(ratio)
        print(f"seed {seed}: budget {base.evaluations}; feasible points nsga2 {len(F['nsga2'])}, "
              f"random {len(F['random'])}; hypervolume nsga2 {hv['nsga2']:.4f}, random "
              f"{hv['random']:.4f}; ratio {ratio:.2f}", flush=True)
    print(f"mean hypervolume ratio NSGA-II / random: {np.mean(ratios):.2f}")


if __name__ == "__main__":
    main()
