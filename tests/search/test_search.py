import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from carbonflow.flows.errors import ConfigError
from carbonflow.search.archive import Archive
from carbonflow.search.run import (MODES, SearchSettings, _problem, objectives, pareto_mask,
                                   run_search, violations)
from carbonflow.search.space import HardwareSpace

SMALL = dict(pop_size=12, generations=4, accuracy_samples=5, verify_front=2)


def test_problem_has_model_and_hardware_variables_and_constraints():
    s = SearchSettings(mode="all")
    prob = _problem(s, evaluator=None)
    assert {"vision_layers", "text_width", "rows", "cols", "dataflow", "ifmap_kb", "node_nm",
            "freq_mhz"} <= set(prob.vars)
    assert prob.n_obj == 4 and prob.n_ieq_constr == 3
    p = {"carbon_kg": 2.0, "latency_s": 0.1, "energy_j": 0.3, "accuracy": 0.7, "area_mm2": 40}
    assert objectives(p, "carbon") == [2.0, -0.7]
    assert objectives(p, "all") == [2.0, 0.1, 0.3, -0.7]
    v = violations(p, SearchSettings(latency_max_s=0.05, area_max_mm2=32, accuracy_min=0.8))
    assert v == pytest.approx([0.05, 8.0, 0.1])
    assert set(MODES) == {"carbon", "latency", "energy", "all"}


def test_pareto_mask():
    F = np.array([[1, 5], [2, 2], [3, 3], [5, 1], [1, 5]])
    # equal points do not dominate each other
    assert pareto_mask(F).tolist() == [True, True, False, True, True]


@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="speed"), r"^search.mode must be one of 'carbon', 'latency', 'energy', 'all'"),
    (dict(pop_size=2), r"^search.pop_size must be in \[4, 10000\], got 2$"),
    (dict(accuracy_min=1.5), r"^constraints.accuracy_min must be in \[0, 1\], got 1.5$"),
    (dict(hardware=lambda: HardwareSpace(node_nm=(45,))), r"^node_nm must be one of .* for embodied"),
    (dict(hardware=lambda: HardwareSpace(rows=(0, 4))), r"^rows must be in \[1, 256\], got 0$"),
])
def test_bad_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        SearchSettings(**{k: v() if callable(v) else v for k, v in kwargs.items()})


def test_same_seed_same_front_different_seed_different(tmp_path, accuracy_fn):
    runs = [run_search(SearchSettings(seed=seed, **SMALL), tmp_path / f"r{i}",
                       real_accuracy=accuracy_fn, progress=False)
            for i, seed in enumerate((3, 3, 4))]
    F = [sorted(tuple(objectives(p, "carbon")) for p in r.front) for r in runs]
    assert F[0] == F[1] and len(F[0]) > 0
    X = [[p["x"] for p in r.points] for r in runs]
    assert X[0] == X[1] and X[0] != X[2]


def test_front_is_feasible_and_non_dominated(tmp_path, accuracy_fn):
    s = SearchSettings(**SMALL, accuracy_min=0.3)
    r = run_search(s, tmp_path, real_accuracy=accuracy_fn, progress=False)
    assert r.front
    for p in r.front:
        assert max(violations(p, s)) <= 0
    F = np.array([objectives(p, "carbon") for p in r.front])
    assert pareto_mask(F).all()
    # the front's picks were re-evaluated with real accuracy
    assert sum(p["accuracy_source"] == "real" for p in r.points) >= 1


def test_interrupted_search_resumes_without_losing_evaluations(tmp_path, accuracy_fn):
    s = SearchSettings(seed=5, **SMALL)
    ref = run_search(s, tmp_path / "ref", real_accuracy=accuracy_fn, progress=False)
    with pytest.raises(KeyboardInterrupt):
        run_search(s, tmp_path / "cut", real_accuracy=accuracy_fn, progress=False, stop_after=20)
    assert Archive(tmp_path / "cut" / "archive.sqlite").count() == 20
    with pytest.raises(ConfigError, match=r"exists: pass --resume"):
        run_search(s, tmp_path / "cut", real_accuracy=accuracy_fn, progress=False)
    resumed = run_search(s, tmp_path / "cut", real_accuracy=accuracy_fn, progress=False,
                         resume=True)
    assert len(resumed.points) == len(ref.points)
    assert resumed.new_evaluations == len(ref.points) - 20
    assert [p["x"] for p in resumed.points] == [p["x"] for p in ref.points]
    with pytest.raises(ConfigError, match=r"belongs to a search with other settings"):
        run_search(SearchSettings(seed=6, **SMALL), tmp_path / "cut", real_accuracy=accuracy_fn,
                   progress=False, resume=True)


def test_killed_process_resumes(tmp_path):
    """SIGKILL a search process mid-run; the resumed run ends with the reference count."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(os.path.dirname(__file__))!r})
        from conftest import smooth_accuracy
        from carbonflow.search.run import SearchSettings, run_search
        s = SearchSettings(seed=9, pop_size=40, generations=40, accuracy_samples=5, verify_front=2)
        run_search(s, sys.argv[1], real_accuracy=smooth_accuracy, progress=False,
                   resume=len(sys.argv) > 2)
    """)
    (tmp_path / "job.py").write_text(script)
    ref = subprocess.run([sys.executable, tmp_path / "job.py", tmp_path / "ref"], check=True)
    assert ref.returncode == 0
    ref_count = Archive(tmp_path / "ref" / "archive.sqlite").count()
    proc = subprocess.Popen([sys.executable, tmp_path / "job.py", tmp_path / "cut"])
    db = tmp_path / "cut" / "archive.sqlite"
    deadline = time.time() + 120
    count = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if db.exists():
            try:
                count = sqlite3.connect(db).execute("SELECT COUNT(*) FROM evals").fetchone()[0]
            except sqlite3.Error:
                continue
            if count >= ref_count // 3:
                break
    assert proc.poll() is None, "the search finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = Archive(db).count()
    assert 0 < killed_at < ref_count
    subprocess.run([sys.executable, tmp_path / "job.py", tmp_path / "cut", "resume"], check=True)
    assert Archive(db).count() == ref_count


def test_random_search_uses_the_same_evaluation(tmp_path, accuracy_fn):
    r = run_search(SearchSettings(algorithm="random", **SMALL), tmp_path, real_accuracy=accuracy_fn,
                   progress=False)
    assert len(r.points) == SMALL["pop_size"] * SMALL["generations"]
