"""Synthetic-proxy costs: base tiny-CLIP training time and per-candidate evaluation time.

Usage: python benchmarks/bench_model.py [--steps 1500] [--candidates 4]
Trains a base model in a fresh cache folder, then prunes/fine-tunes/evaluates random candidates.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--candidates", type=int, default=4)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CARBONFLOW_CACHE"] = tmp
        from carbonflow.flows.cache import Cache
        from carbonflow.model.accuracy import _torch_setup, proxy_accuracy
        from carbonflow.model.config import TINY_CLIP
        from carbonflow.model.space import ModelKnobs, decode
        from carbonflow.model.tinyclip import base_model

        _torch_setup()
        t = time.time()
        _, _, info = base_model(0, recipe={"steps": args.steps})
        print(f"base tiny CLIP: {args.steps} steps in {time.time() - t:.1f} s "
              f"({args.steps / info['train_s']:.1f} steps/s), final loss {info['final_loss']:.3f}")
        rng = np.random.default_rng(0)
        times, accs = [], []
        for _ in range(args.candidates):
            cfg = decode(TINY_CLIP, ModelKnobs(*rng.uniform(0.5, 1.0, 8)))
            res = proxy_accuracy(cfg, base_recipe={"steps": args.steps},
                                 cache=Cache("accuracy", enabled=False))
            times.append(res["eval_s"])
            accs.append(res["zeroshot_acc"])
        print(f"per candidate (prune + 100 fine-tuning steps + evaluation): mean "
              f"{np.mean(times):.1f} s, min {min(times):.1f} s, max {max(times):.1f} s; "
              f"accuracies {', '.join(f'{a:.3f}' for a in accs)}")


if __name__ == "__main__":
    main()
