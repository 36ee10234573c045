"""Synthesise several array sizes and fit hw/area_model.py's coefficients (writes the JSON).

Usage: python benchmarks/calibrate_area.py [--sizes 2 4 8 12 16] [--refit]
(--refit fits again from the runs already stored in the JSON, without synthesising.)
Prints each synthesis (area, time) and the fitted model's relative error on every point.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from carbonflow.flows.cache import atomic_write_text
from carbonflow.hw.area_model import CALIBRATION_FILE
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.hw.synth import synthesize, yosys_version


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[2, 4, 8, 12, 16])
    ap.add_argument("--refit", action="store_true")
    args = ap.parse_args()
    old = json.loads(CALIBRATION_FILE.read_text())["runs"] if args.refit else []
    runs, fit = list(old), {}
    for df in ("os", "ws"):
        pts = [(r["rows"], r["cols"], r["logic_area_um2"]) for r in old if r["dataflow"] == df]
        for n in ([] if args.refit else args.sizes):
            for r, c in {(n, n), (n, max(1, n // 2))}:
                cfg = AcceleratorConfig(rows=r, cols=c, dataflow=df, ifmap_kb=1, filter_kb=1,
                                        ofmap_kb=4)
                t = time.time()
                rep = synthesize(cfg)
                dt = time.time() - t
                print(f"{df} {r}x{c}: {rep.logic_area_um2:,.0f} um2, {rep.cell_count} cells, "
                      f"{dt:.1f} s", flush=True)
                pts.append((r, c, rep.logic_area_um2))
                runs.append({"dataflow": df, "rows": r, "cols": c,
                             "logic_area_um2": rep.logic_area_um2, "synth_s": round(dt, 1)})
        X = np.array([[r * c, r * r + c * c, r + c, 1.0] for r, c, _ in pts])
        y = np.array([a for _, _, a in pts])
        # relative least squares: small arrays count as much as large ones
        coef, *_ = np.linalg.lstsq(X / y[:, None], np.ones_like(y), rcond=None)
        fit[df] = dict(zip("abcd", map(float, coef)))
        err = (X @ coef - y) / y
        print(f"{df}: " + " ".join(f"{k}={v:.1f}" for k, v in fit[df].items())
              + f"; max |rel err| {np.abs(err).max():.3%}")
    doc = {"about": "relative least-squares fit of synthesised logic area (um2, OSU 0.18 um, "
                    "int8 x int8 -> int32) to a*rows*cols + b*(rows^2+cols^2) + c*(rows+cols) + d",
           "produced_by": "python benchmarks/calibrate_area.py",
           "yosys": yosys_version(), "fit": fit, "runs": runs}
    atomic_write_text(CALIBRATION_FILE, json.dumps(doc, indent=2) + "\n")
    print(f"wrote {CALIBRATION_FILE}")


if __name__ == "__main__":
    main()
