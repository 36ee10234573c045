"""SCALE-Sim v3 behind one function: validate, write config + topology, run quietly, parse.

SCALE-Sim reports problems with ``print`` and ``exit()``; here every failure becomes a
:class:`~carbonflow.flows.errors.SimulationError` carrying what it printed. Results are cached per
GEMM on disk (key: array, buffers, dataflow, GEMM, SCALE-Sim version), so a GEMM shape is
simulated once for a given design however many models use it.
"""

from __future__ import annotations

import contextlib
import csv
import io
import tempfile
from importlib import metadata
from pathlib import Path

from carbonflow.flows.cache import Cache, cache_key
from carbonflow.flows.errors import ConfigError, SimulationError
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.sim.analytical import FIELDS

__all__ = ["scalesim_version", "render_config", "run_scalesim", "STAGE_VERSION"]

STAGE_VERSION = 1


def scalesim_version() -> str:
    try:
        return metadata.version("scalesim")
    except metadata.PackageNotFoundError:
        raise SimulationError("SCALE-Sim is not installed: pip install scalesim==3.0.0") from None


def render_config(cfg: AcceleratorConfig, run_name: str = "run") -> str:
    """SCALE-Sim INI text for ``cfg`` (GEMM mode, CALC bandwidth, no sparsity, default layout)."""
    return f"""[general]
run_name = {run_name}

[architecture_presets]
ArrayHeight = {cfg.rows}
ArrayWidth = {cfg.cols}
ifmapsramszkB = {cfg.ifmap_kb}
filtersramszkB = {cfg.filter_kb}
ofmapsramszkB = {cfg.ofmap_kb}
IfmapOffset = 0
FilterOffset = 10000000
OfmapOffset = 20000000
Dataflow = {cfg.dataflow}
Bandwidth = 10
ReadRequestBuffer = 32
WriteRequestBuffer = 32

[layout]
IfmapCustomLayout = False
FilterCustomLayout = False
IfmapSRAMBankBandwidth = 10
IfmapSRAMBankNum = 10
IfmapSRAMBankPort = 2
FilterSRAMBankBandwidth = 10
FilterSRAMBankNum = 10
FilterSRAMBankPort = 2

[sparsity]
SparsitySupport = false
SparseRep = ellpack_block
OptimizedMapping = false
BlockSize = 8
RandomNumberGeneratorSeed = 40

[run_presets]
InterfaceBandwidth = CALC
UseRamulatorTrace = False
"""


def _key(cfg: AcceleratorConfig, m: int, n: int, k: int, version: str) -> str:
    hw = {f: getattr(cfg, f) for f in ("rows", "cols", "dataflow", "ifmap_kb", "filter_kb",
                                       "ofmap_kb")}
    return cache_key("scalesim", STAGE_VERSION, version, hw, [m, n, k])


def _read_csv(path: Path) -> list[list[str]]:
    with open(path) as f:
        rows = [[c.strip() for c in r] for r in csv.reader(f)]
    return [r for r in rows[1:] if r and r[0]]


def _simulate(cfg: AcceleratorConfig, shapes: list[tuple[int, int, int]]) -> list[dict]:
    from scalesim.scale_sim import scalesim

    with tempfile.TemporaryDirectory(prefix="carbonflow-scalesim-") as tmp:
        d = Path(tmp)
        (d / "config.cfg").write_text(render_config(cfg))
        topo = "Layer, M, N, K,\n" + "".join(f"g{i}, {m}, {n}, {k},\n"
                                             for i, (m, n, k) in enumerate(shapes))
        (d / "topology.csv").write_text(topo)
        (d / "layout.csv").write_text("Layer,\n")
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                sim = scalesim(save_disk_space=True, verbose=False, config=str(d / "config.cfg"),
                               topology=str(d / "topology.csv"), layout=str(d / "layout.csv"),
                               input_type_gemm=True)
                sim.run_scale(top_path=str(d / "out"))
        except SystemExit as e:
            raise SimulationError(f"SCALE-Sim exited (code {e.code})", out.getvalue()[-3000:]) from None
        except Exception as e:  # noqa: BLE001 - any crash inside the tool becomes a SimulationError
            raise SimulationError(f"SCALE-Sim failed: {type(e).__name__}: {e}",
                                  out.getvalue()[-3000:]) from e
        rep = d / "out" / "run"
        try:
            compute = _read_csv(rep / "COMPUTE_REPORT.csv")
            detail = _read_csv(rep / "DETAILED_ACCESS_REPORT.csv")
        except FileNotFoundError:
            raise SimulationError("SCALE-Sim wrote no reports", out.getvalue()[-3000:]) from None
    if len(compute) != len(shapes) or len(detail) != len(shapes):
        raise SimulationError(f"SCALE-Sim reported {len(compute)} layers for {len(shapes)} GEMMs")
    results = []
    for c, a in zip(compute, detail):
        # COMPUTE_REPORT: LayerID, Total Cycles (incl. prefetch), Total Cycles, Stall Cycles,
        # Overall Util %, Mapping Efficiency %, Compute Util %
        # DETAILED_ACCESS_REPORT: reads/writes at columns 3, 6, 9 (SRAM) and 12, 15, 18 (DRAM)
        results.append({
            "cycles": int(float(c[2])), "cycles_with_prefetch": int(float(c[1])),
            "stall_cycles": int(float(c[3])), "utilization_pct": float(c[4]),
            "sram_ifmap_reads": int(float(a[3])), "sram_filter_reads": int(float(a[6])),
            "sram_ofmap_writes": int(float(a[9])), "dram_ifmap_reads": int(float(a[12])),
            "dram_filter_reads": int(float(a[15])), "dram_ofmap_writes": int(float(a[18])),
        })
    return results


def run_scalesim(cfg: AcceleratorConfig, shapes: list[tuple[int, int, int]],
                 cache: Cache | None = None) -> list[dict]:
    """SCALE-Sim results for each ``(M, N, K)`` in ``shapes`` (cached per shape).

    Each result has the keys of :data:`carbonflow.sim.analytical.FIELDS` plus
    ``cycles_with_prefetch``, ``stall_cycles`` and ``utilization_pct``.
    """
    if cfg.dataflow not in ("os", "ws"):
        raise ConfigError(f"dataflow must be one of 'os', 'ws'; got {cfg.dataflow!r}")
    for m, n, k in shapes:
        for name, v in (("M", m), ("N", n), ("K", k)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"GEMM dimension {name} must be a positive integer, got {v!r}")
    cache = cache if cache is not None else Cache("scalesim")
    version = scalesim_version()
    keys = [_key(cfg, m, n, k, version) for m, n, k in shapes]
    found = {key: cache.get(key) for key in set(keys)}
    missing = sorted({(s, key) for s, key in zip(shapes, keys) if found[key] is None})
    if missing:
        fresh = _simulate(cfg, [s for s, _ in missing])
        for (_, key), res in zip(missing, fresh):
            assert set(FIELDS) <= set(res)
            cache.put(key, res)
            found[key] = res
    return [dict(found[key], cached=key not in {k for _, k in missing}) for key in keys]
