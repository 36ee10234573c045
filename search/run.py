"""The joint model + hardware search (pymoo NSGA-II by default) with archive and resume.

:func:`run_search` is the single place where problem, algorithm, termination and seed meet.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from carbonflow.carbon.grid import resolve_intensity
from carbonflow.carbon.operational import Usage
from carbonflow.flows.cache import cache_key
from carbonflow.flows.errors import ConfigError, check_choice, check_int, check_real
from carbonflow.model.config import BASE_MODELS
from carbonflow.model.space import ModelKnobs
from carbonflow.search.accuracy import AccuracyOracle, latin_hypercube
from carbonflow.search.archive import Archive
from carbonflow.search.executor import make_executor
from carbonflow.search.space import MODEL_VARS, HardwareSpace, evaluate_point

__all__ = ["MODES", "ALGORITHMS", "SearchSettings", "SearchResult", "run_search",
           "objectives", "pareto_mask"]

#: Objective sets, as in CATransformers: accuracy against carbon, latency, energy, or all three.
MODES = {"carbon": ("carbon_kg",), "latency": ("latency_s",), "energy": ("energy_j",),
         "all": ("carbon_kg", "latency_s", "energy_j")}
ALGORITHMS = ("nsga2", "random")


@dataclass(frozen=True)
class SearchSettings:
    """Everything that defines a search (validated; see flows/default.toml for the meaning)."""

    algorithm: str = "nsga2"
    mode: str = "carbon"
    seed: int = 1
    pop_size: int = 24
    generations: int = 12
    workload: str = "ViT-B-16"
    hardware: HardwareSpace = field(default_factory=HardwareSpace)
    latency_max_s: float = 0.05
    area_max_mm2: float = 32.0
    accuracy_min: float = 0.5
    grid: str = "CISO"
    usage: Usage = field(default_factory=Usage)
    proxy_seeds: tuple[int, ...] = (0,)
    accuracy_samples: int = 10
    verify_front: int = 4
    base_steps: int = 1500
    finetune_steps: int = 100
    workers: int = 2
    executor: str | None = None

    def __post_init__(self) -> None:
        check_choice("search.algorithm", self.algorithm, ALGORITHMS)
        check_choice("search.mode", self.mode, MODES)
        check_int("search.seed", self.seed, 0, 2 ** 31 - 1)
        check_int("search.pop_size", self.pop_size, 4, 10000)
        check_int("search.generations", self.generations, 1, 10000)
        check_choice("model.workload", self.workload, BASE_MODELS)
        check_real("constraints.latency_max_s", self.latency_max_s, 0.0, lo_open=True)
        check_real("constraints.area_max_mm2", self.area_max_mm2, 0.0, lo_open=True)
        check_real("constraints.accuracy_min", self.accuracy_min, 0.0, 1.0)
        check_int("model.accuracy_samples", self.accuracy_samples, 2, 1000)
        check_int("model.verify_front", self.verify_front, 0, 1000)
        check_int("model.base_steps", self.base_steps, 10, 10 ** 6)
        check_int("model.finetune_steps", self.finetune_steps, 0, 10 ** 6)
        check_int("search.workers", self.workers, 1, 256)
        if not self.proxy_seeds:
            raise ConfigError("model.proxy_seeds needs at least one seed")

    @property
    def evaluations(self) -> int:
        return self.pop_size * self.generations

    def eval_key(self) -> str:
        """Hash of every setting that changes a point's result (part of each archive key)."""
        d = asdict(self)
        keep = {k: d[k] for k in ("workload", "grid", "usage", "proxy_seeds", "base_steps",
                                  "finetune_steps")}
        return cache_key("search-eval", 1, keep)


@dataclass
class SearchResult:
    settings: SearchSettings
    points: list[dict[str, Any]]
    front: list[dict[str, Any]]
    archive_path: str
    new_evaluations: int
    reused_evaluations: int
    grid_desc: str


def objectives(p: dict[str, Any], mode: str, acc_key: str = "accuracy") -> list[float]:
    """Minimisation objectives of an archived point: cost(s) of the mode, then -accuracy.

    ``acc_key="search_accuracy"`` gives what the optimiser saw when the point was first evaluated
    (a resumed run must see the same values to retrace the same path).
    """
    return [p[m] for m in MODES[mode]] + [-p[acc_key]]


def violations(p: dict[str, Any], s: SearchSettings, acc_key: str = "accuracy") -> list[float]:
    return [p["latency_s"] - s.latency_max_s, p["area_mm2"] - s.area_max_mm2,
            s.accuracy_min - p[acc_key]]


def pareto_mask(F: np.ndarray) -> np.ndarray:
    """Non-dominated rows of ``F`` (minimisation)."""
    n = len(F)
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        if mask[i]:
            dominated = np.all(F[i] <= F, axis=1) & np.any(F[i] < F, axis=1)
            mask[dominated] = False
    return mask


def _point_key(x: dict[str, Any], settings: SearchSettings) -> str:
    clean = {k: (float(v) if k in MODEL_VARS else v) for k, v in x.items()}
    return cache_key("point", settings.eval_key(), clean)


class _Evaluator:
    """Archive-backed evaluation of points (shared by NSGA-II, random search and verification)."""

    def __init__(self, settings: SearchSettings, archive: Archive, oracle: AccuracyOracle,
                 on_eval: Callable[[], None] | None = None):
        self.s = settings
        self.archive = archive
        self.oracle = oracle
        self.base = BASE_MODELS[settings.workload]
        self.ci, self.grid_desc = resolve_intensity(settings.grid)
        self.on_eval = on_eval

    def __call__(self, x: dict[str, Any], *, force_real: bool = False) -> dict[str, Any]:
        x = {k: (v.item() if hasattr(v, "item") else v) for k, v in x.items()}
        key = _point_key(x, self.s)
        hit = self.archive.get(key)
        if hit is not None and (not force_real or hit["accuracy_source"] == "real"):
            return hit
        knobs = ModelKnobs(**{k: float(x[k]) for k in MODEL_VARS})
        if force_real:
            self.oracle.evaluate_real([knobs])
        acc, src = self.oracle(knobs)
        res = evaluate_point(x, self.base, self.s.usage, self.ci, acc, src).to_dict()
        res["key"] = key
        if hit is None:
            res["search_accuracy"] = acc
            self.archive.put(key, res)
        else:  # verification: the final accuracy changes, what the search saw does not
            res["search_accuracy"] = hit["search_accuracy"]
            self.archive.replace(key, res)
        if self.on_eval:
            self.on_eval()
        return res


def _problem(settings: SearchSettings, evaluator: _Evaluator):
    from pymoo.core.problem import ElementwiseProblem
    from pymoo.core.variable import Choice, Real

    hw = settings.hardware
    variables = {k: Real(bounds=(0.5, 1.0)) for k in MODEL_VARS}
    variables.update({
        "rows": Choice(options=list(hw.rows)), "cols": Choice(options=list(hw.cols)),
        "dataflow": Choice(options=list(hw.dataflow)),
        "ifmap_kb": Choice(options=list(hw.buffer_kb)),
        "filter_kb": Choice(options=list(hw.buffer_kb)),
        "ofmap_kb": Choice(options=list(hw.buffer_kb)),
        "node_nm": Choice(options=list(hw.node_nm)),
        "freq_mhz": Choice(options=list(hw.freq_mhz)),
    })

    class JointProblem(ElementwiseProblem):
        """Decode X, evaluate (archive first), fill F and G: nothing else."""

        def __init__(self):
            super().__init__(vars=variables, n_obj=len(MODES[settings.mode]) + 1, n_ieq_constr=3)

        def _evaluate(self, X, out, *args, **kwargs):
            p = evaluator(X)
            out["F"] = objectives(p, settings.mode, "search_accuracy")
            out["G"] = violations(p, settings, "search_accuracy")

    return JointProblem()


def _random_points(settings: SearchSettings, n: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    hw = settings.hardware
    pts = []
    for _ in range(n):
        x = {k: float(rng.uniform(0.5, 1.0)) for k in MODEL_VARS}
        for name, opts in (("rows", hw.rows), ("cols", hw.cols), ("dataflow", hw.dataflow),
                           ("ifmap_kb", hw.buffer_kb), ("filter_kb", hw.buffer_kb),
                           ("ofmap_kb", hw.buffer_kb), ("node_nm", hw.node_nm),
                           ("freq_mhz", hw.freq_mhz)):
            x[name] = opts[int(rng.integers(len(opts)))]
        pts.append(x)
    return pts


def _front(points: list[dict[str, Any]], settings: SearchSettings) -> list[dict[str, Any]]:
    feas = [p for p in points if max(violations(p, settings)) <= 0]
    if not feas:
        return []
    F = np.array([objectives(p, settings.mode) for p in feas])
    mask = pareto_mask(F)
    return sorted((p for p, m in zip(feas, mask) if m), key=lambda p: p["carbon_kg"])


def run_search(settings: SearchSettings, out_dir: str | Path, *, resume: bool = False,
               real_accuracy: Callable[[list[ModelKnobs]], list[float]] | None = None,
               progress: bool = True, stop_after: int | None = None) -> SearchResult:
    """Run the search, archiving every evaluation in ``out_dir/archive.sqlite``.

    Args:
        resume: continue from an existing archive (without it an existing archive is an error).
        real_accuracy: replaces the synthetic-proxy evaluation (tests use a cheap function).
        stop_after: raise KeyboardInterrupt after this many new evaluations (tests interruption).
    """
    from tqdm import tqdm

    out = Path(out_dir)
    path = out / "archive.sqlite"
    if path.exists() and not resume:
        raise ConfigError(f"{path} exists: pass --resume to continue that search, or choose "
                          "another output folder")
    archive = Archive(path)
    stored = archive.get_meta("settings_key")
    if stored is not None and stored != cache_key("settings", repr(settings)):
        archive.close()
        raise ConfigError(f"{path} belongs to a search with other settings; resume it with the "
                          "same configuration or choose another output folder")
    archive.set_meta("settings_key", cache_key("settings", repr(settings)))
    executor = None
    try:
        executor = make_executor(settings.executor, settings.workers) if real_accuracy is None \
            else None
        oracle = AccuracyOracle(seeds=settings.proxy_seeds, finetune_steps=settings.finetune_steps,
                                base_steps=settings.base_steps, executor=executor,
                                real_fn=real_accuracy)
        bar_train = None

        def train_progress(step, total, loss):
            nonlocal bar_train
            if bar_train is None:
                bar_train = tqdm(total=total, desc="base tiny CLIP", unit="step",
                                 disable=not progress)
            bar_train.update(1)

        oracle.prepare(progress=train_progress)
        if bar_train is not None:
            bar_train.close()
        # phase 1: real accuracy on a Latin hypercube of pruning settings, then the surrogate
        corners = [np.ones(len(MODEL_VARS)), np.full(len(MODEL_VARS), 0.5)]
        lhs = latin_hypercube(max(0, settings.accuracy_samples - 2), len(MODEL_VARS),
                              settings.seed)
        samples = [ModelKnobs(*map(float, row)) for row in [*corners, *lhs]]
        with tqdm(total=1, desc=f"accuracy samples ({len(samples)} real, "
                                f"{executor.kind if executor else 'injected'})",
                  disable=not progress) as bar:
            oracle.fit(samples)
            bar.update(1)
        count = {"n": 0}
        bar = tqdm(total=settings.evaluations, desc=f"{settings.algorithm} search", unit="eval",
                   disable=not progress)

        def on_eval():
            count["n"] += 1
            if stop_after is not None and count["n"] >= stop_after:
                raise KeyboardInterrupt

        def ticking(x, **kw):
            r = evaluator(x, **kw)
            bar.update(1)
            return r

        evaluator = _Evaluator(settings, archive, oracle, on_eval)
        if settings.algorithm == "random":
            for x in _random_points(settings, settings.evaluations, settings.seed):
                ticking(x)
        else:
            from pymoo.algorithms.moo.nsga2 import RankAndCrowdingSurvival
            from pymoo.core.mixed import MixedVariableGA
            from pymoo.optimize import minimize

            problem = _problem(settings, evaluator)
            bar_eval = evaluator.__call__
            problem_eval = problem._evaluate

            def counted(X, out, *a, **k):
                problem_eval(X, out, *a, **k)
                bar.update(1)

            problem._evaluate = counted
            algorithm = MixedVariableGA(pop_size=settings.pop_size,
                                        survival=RankAndCrowdingSurvival())
            minimize(problem, algorithm, ("n_gen", settings.generations), seed=settings.seed,
                     verbose=False)
            _ = bar_eval
        bar.close()
        # phase 3: verify the front's pruning settings with real accuracy
        points = archive.all()
        front = _front(points, settings)
        verify = _pick_for_verification(front, settings)
        if verify:
            for p in tqdm(verify, desc="verifying front accuracy", disable=not progress):
                evaluator(p["x"], force_real=True)
        points = archive.all()
        front = _front(points, settings)
        return SearchResult(settings=settings, points=points, front=front,
                            archive_path=str(path), new_evaluations=archive.new,
                            reused_evaluations=archive.hits, grid_desc=evaluator.grid_desc)
    finally:
        if executor is not None:
            executor.close()
        archive.close()


def _pick_for_verification(front: list[dict[str, Any]], s: SearchSettings) -> list[dict]:
    """Up to ``verify_front`` front points with surrogate accuracy: the carbon-, latency- and
    energy-optimal ones first, then the rest spread along carbon."""
    cand = [p for p in front if p["accuracy_source"] != "real"]
    if not cand or s.verify_front == 0:
        return []
    picked: list[dict] = []
    for key in ("carbon_kg", "latency_s", "energy_j"):
        best = min(cand, key=lambda p: p[key])
        if best not in picked:
            picked.append(best)
    rest = [p for p in cand if p not in picked]
    step = max(1, math.ceil(len(rest) / max(1, s.verify_front - len(picked))))
    picked += rest[::step]
    return picked[: s.verify_front]


def settings_to_json(s: SearchSettings) -> str:
    return json.dumps(asdict(s), sort_keys=True, default=str)


