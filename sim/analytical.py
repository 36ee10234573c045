"""Closed-form cycle and access model of SCALE-Sim v3's systolic array, vectorised over GEMMs.

SCALE-Sim (``scalesim/compute/systolic_compute_{os,ws}.py``) maps a GEMM ``A[M,K] @ B[K,N]`` as

* ``os``: spatial rows Sr = M, spatial cols Sc = N, temporal T = K;
* ``ws``: Sr = K (the stationary weights' rows), Sc = N, T = M;

splits it into ``ceil(Sr/R) * ceil(Sc/C)`` folds and gives each fold a demand matrix of
``T + R + C - 2`` rows for ``os`` (operand stream, ``C - 1`` inter-fold gap, ``R - 1`` skew) and
``2R + C + T - 2`` for ``ws`` (plus ``R`` cycles of weight fill). With the CALC interface
bandwidth there are no stalls, so ``cycles = folds * per_fold - 1`` (the report counts from 0).

SRAM accesses follow the same code: A is read once per column fold, B once per row fold (``os``)
or once in total (``ws``); ``os`` ofmap writes are ``M*N`` plus SCALE-Sim's ``R + C`` per fold
bookkeeping, ``ws`` writes one partial sum per row fold. DRAM: an operand whose reused working
set fits half its (double-buffered) buffer is fetched once, otherwise it is re-fetched as often
as SRAM reads it. Against SCALE-Sim this is within a few percent for buffers of 2 KiB and more;
with 1 KiB buffers SCALE-Sim's partial reuse of prefetched data can halve the B traffic.
"""

from __future__ import annotations

import numpy as np

from carbonflow.flows.errors import ConfigError
from carbonflow.hw.config import AcceleratorConfig

__all__ = ["analytical_perf", "FIELDS"]

#: Per-GEMM quantities, in cycles or elements (words).
FIELDS = ("cycles", "sram_ifmap_reads", "sram_filter_reads", "sram_ofmap_writes",
          "dram_ifmap_reads", "dram_filter_reads", "dram_ofmap_writes")


def _ceil_div(a: np.ndarray, b: int) -> np.ndarray:
    return -(-a // b)


def analytical_perf(cfg: AcceleratorConfig, m, n, k) -> dict[str, np.ndarray]:
    """Cycles and accesses of single GEMMs (arrays ``m, n, k`` broadcast together).

    Returns a dict of int64 arrays keyed by :data:`FIELDS`.
    """
    m, n, k = (np.asarray(x, dtype=np.int64) for x in (m, n, k))
    for name, x in (("M", m), ("N", n), ("K", k)):
        if x.size and x.min() < 1:
            raise ConfigError(f"GEMM dimension {name} must be >= 1, got {int(x.min())}")
    R, C = cfg.rows, cfg.cols
    if cfg.dataflow == "os":
        row_folds, col_folds = _ceil_div(m, R), _ceil_div(n, C)
        folds = row_folds * col_folds
        cycles = folds * (k + R + C - 2) - 1
        ifmap = col_folds * m * k
        filt = row_folds * k * n
        ofmap = m * n + folds * (R + C)
        dram_ofmap = m * n
    elif cfg.dataflow == "ws":
        row_folds, col_folds = _ceil_div(k, R), _ceil_div(n, C)
        folds = row_folds * col_folds
        cycles = folds * (2 * R + C + m - 2) - 1
        ifmap = col_folds * m * k
        filt = k * n
        ofmap = row_folds * m * n
        dram_ofmap = ofmap
    else:  # AcceleratorConfig already rejects this; kept for direct callers
        raise ConfigError(f"dataflow must be one of 'os', 'ws'; got {cfg.dataflow!r}")
    # SCALE-Sim double-buffers its scratchpads: half of a buffer holds the working set. Its
    # folds run column-fold outer, row-fold inner, so the B slice of one column fold (K x C)
    # is reused across the row folds when it fits; A is reused only if all of it fits.
    a_fits = m * k < cfg.ifmap_kb * 512
    b_fits = (k * np.minimum(n, C) < cfg.filter_kb * 512) if cfg.dataflow == "os" else \
        (k * n < cfg.filter_kb * 512)
    return {
        "cycles": cycles,
        "sram_ifmap_reads": ifmap,
        "sram_filter_reads": filt,
        "sram_ofmap_writes": ofmap,
        "dram_ifmap_reads": np.where(a_fits, m * k, ifmap),
        "dram_filter_reads": np.where(b_fits, k * n, filt),
        "dram_ofmap_writes": dram_ofmap,
    }
