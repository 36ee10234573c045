"""Accuracy for the search: real synthetic-proxy evaluations plus a cheap surrogate.

Training-based accuracy costs seconds per candidate, the hardware model microseconds, so the
search is surrogate-assisted (as in the usual Bayesian/surrogate NAS loops): a seeded Latin
hypercube of pruning settings (plus the unpruned and the fully pruned corners) is evaluated for
real, in parallel; a ridge regression on the eight pruning fractions predicts the accuracy of
every other candidate; and the final front's settings are evaluated for real before a design is
chosen. Every archived point records whether its accuracy is ``real`` or ``surrogate``.

The pruning fractions are applied to the tiny CLIP for accuracy (the synthetic proxy) and to the
workload model (ViT-B-16 by default) for hardware cost.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

from carbonflow.model.config import TINY_CLIP, ClipConfig
from carbonflow.model.space import MIN_FRACTION, ModelKnobs, decode
from carbonflow.search.executor import Executor

__all__ = ["AccuracyOracle", "latin_hypercube", "RIDGE_LAMBDA"]

#: Ridge penalty of the surrogate (features are fractions in [0.5, 1]).
RIDGE_LAMBDA = 1e-3


def latin_hypercube(n: int, dims: int, seed: int) -> np.ndarray:
    """``n`` points in [0.5, 1]^dims, one per stratum along each axis (seeded)."""
    rng = np.random.default_rng(seed)
    u = (np.argsort(rng.random((dims, n)), axis=1).T + rng.random((n, dims))) / n
    return MIN_FRACTION + (1 - MIN_FRACTION) * u


def _proxy_job(args) -> float:
    """Worker: synthetic-proxy accuracy of one pruned tiny CLIP (a top-level, picklable function)."""
    cfg_dict, seeds, steps, recipe, cache_dir = args
    if cache_dir:
        os.environ["CARBONFLOW_CACHE"] = cache_dir
    from carbonflow.model.accuracy import proxy_accuracy

    res = proxy_accuracy(ClipConfig.from_dict(cfg_dict), seeds=tuple(seeds),
                         finetune_steps=steps, base_recipe=recipe)
    return float(res["zeroshot_acc"])


class AccuracyOracle:
    """Known (real) accuracies by pruned tiny-CLIP config, and the surrogate fitted on them.

    Args:
        real_fn: evaluates a list of :class:`ModelKnobs` for real (default: the synthetic proxy
            through ``executor``); tests pass a cheaper function.
    """

    def __init__(self, *, seeds: Sequence[int] = (0,), finetune_steps: int = 100,
                 base_steps: int | None = None, executor: Executor | None = None,
                 real_fn: Callable[[list[ModelKnobs]], list[float]] | None = None):
        self.seeds = tuple(seeds)
        self.finetune_steps = finetune_steps
        self.recipe = {"steps": base_steps} if base_steps else None
        self.executor = executor
        self.real_fn = real_fn or self._proxy
        self.known: dict[ClipConfig, float] = {}
        self.coef: np.ndarray | None = None

    @staticmethod
    def tiny(knobs: ModelKnobs) -> ClipConfig:
        return decode(TINY_CLIP, knobs)

    def prepare(self, progress=None) -> None:
        """Train (or load) the base models in this process before workers need them."""
        if self.real_fn != self._proxy:
            return
        from carbonflow.model.accuracy import _torch_setup
        from carbonflow.model.tinyclip import base_model

        _torch_setup()
        for s in self.seeds:
            base_model(s, recipe=self.recipe, progress=progress)

    def _proxy(self, knobs: list[ModelKnobs]) -> list[float]:
        jobs = [(self.tiny(k).to_dict(), self.seeds, self.finetune_steps, self.recipe,
                 os.environ.get("CARBONFLOW_CACHE", "")) for k in knobs]
        if self.executor is None:
            return [_proxy_job(j) for j in jobs]
        return self.executor.map(_proxy_job, jobs)

    def evaluate_real(self, knobs: list[ModelKnobs]) -> list[float]:
        """Real accuracies (each distinct pruned config evaluated once)."""
        todo, seen = [], set()
        for k in knobs:
            c = self.tiny(k)
            if c not in self.known and c not in seen:
                todo.append(k)
                seen.add(c)
        for k, acc in zip(todo, self.real_fn(todo)):
            self.known[self.tiny(k)] = float(acc)
        return [self.known[self.tiny(k)] for k in knobs]

    def fit(self, knobs: list[ModelKnobs]) -> None:
        """Fit the ridge surrogate on the real accuracies of ``knobs``."""
        X = np.array([[1.0, *(getattr(k, f) for f in ModelKnobs.__slots__)] for k in knobs])
        y = np.array(self.evaluate_real(knobs))
        reg = RIDGE_LAMBDA * np.eye(X.shape[1])
        reg[0, 0] = 0.0
        self.coef = np.linalg.solve(X.T @ X + reg, X.T @ y)

    def __call__(self, knobs: ModelKnobs) -> tuple[float, str]:
        c = self.tiny(knobs)
        if c in self.known:
            return self.known[c], "real"
        if self.coef is None:
            raise RuntimeError("surrogate used before fit()")
        x = np.array([1.0, *(getattr(knobs, f) for f in ModelKnobs.__slots__)])
        return float(np.clip(x @ self.coef, 0.0, 1.0)), "surrogate"
