"""Latency and energy of one CLIP inference on one accelerator design.

:func:`simulate` = workload extraction (:mod:`carbonflow.sim.workload`) + a cycle/access engine
(the analytical model, or SCALE-Sim itself) + the energy model (:mod:`carbonflow.sim.energy`).
GEMMs run one after another; a GEMM repeated ``r`` times (layers, heads) costs ``r`` times one.
Bytes: A and B elements are ``in_width/8`` bytes, C elements (results and partial sums)
``acc_width/8`` bytes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from carbonflow.flows.errors import ConfigError
from carbonflow.hw.area_model import die_area_mm2
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.model.config import ClipConfig
from carbonflow.sim.analytical import FIELDS, analytical_perf
from carbonflow.sim.energy import EnergyModel
from carbonflow.sim.workload import Gemm, extract_gemms, gemm_arrays

__all__ = ["LayerResult", "InferencePerf", "simulate", "ENGINES"]

ENGINES = ("analytical", "scalesim")


@dataclass(frozen=True)
class LayerResult:
    """One GEMM (all repeats). Cycles; energies in J; latency in s."""

    name: str
    m: int
    n: int
    k: int
    repeat: int
    macs: int
    cycles: int
    latency_s: float
    utilization: float
    energy_mac_j: float
    energy_sram_j: float
    energy_dram_j: float
    energy_leak_j: float

    @property
    def energy_j(self) -> float:
        return self.energy_mac_j + self.energy_sram_j + self.energy_dram_j + self.energy_leak_j


@dataclass(frozen=True)
class InferencePerf:
    """A whole inference: per-layer results and totals (s, J, mm^2)."""

    engine: str
    layers: list[LayerResult]
    die_area_mm2: float
    notes: list[str] = field(default_factory=list)

    @property
    def latency_s(self) -> float:
        return sum(r.latency_s for r in self.layers)

    @property
    def energy_j(self) -> float:
        return sum(r.energy_j for r in self.layers)

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.layers)

    @property
    def cycles(self) -> int:
        return sum(r.cycles for r in self.layers)

    def breakdown_j(self) -> dict[str, float]:
        return {c: sum(getattr(r, f"energy_{c}_j") for r in self.layers)
                for c in ("mac", "sram", "dram", "leak")}

    def to_dict(self) -> dict:
        return {"engine": self.engine, "latency_s": self.latency_s, "energy_j": self.energy_j,
                "macs": self.macs, "cycles": self.cycles, "die_area_mm2": self.die_area_mm2,
                "energy_breakdown_j": self.breakdown_j(), "notes": self.notes,
                "layers": [dict(asdict(r), energy_j=r.energy_j) for r in self.layers]}


def _counts(cfg: AcceleratorConfig, gemms: list[Gemm], engine: str) -> dict[str, np.ndarray]:
    if engine == "analytical":
        a = gemm_arrays(gemms)
        return analytical_perf(cfg, a["m"], a["n"], a["k"])
    if engine == "scalesim":
        from carbonflow.sim.scalesim_runner import run_scalesim

        res = run_scalesim(cfg, [(g.m, g.n, g.k) for g in gemms])
        return {f: np.array([r[f] for r in res], dtype=np.int64) for f in FIELDS}
    raise ConfigError(f"engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}")


def simulate(model: ClipConfig, hw: AcceleratorConfig, *, engine: str = "analytical",
             die_area: float | None = None) -> InferencePerf:
    """Latency and energy of one image+text inference of ``model`` on ``hw``.

    Args:
        model: the (pruned) CLIP.
        hw: the accelerator design.
        engine: ``"analytical"`` (fast, vectorised) or ``"scalesim"`` (SCALE-Sim v3, cached).
        die_area: die area in mm^2 for leakage; default: :func:`carbonflow.hw.area_model.die_area_mm2`.
    """
    gemms = extract_gemms(model)
    c = _counts(hw, gemms, engine)
    area = die_area if die_area is not None else die_area_mm2(hw)["total_mm2"]
    em = EnergyModel.for_design(hw, area)
    in_b, acc_b = hw.in_width / 8, hw.acc_width / 8
    period = 1.0 / (hw.freq_mhz * 1e6)
    layers = []
    for i, g in enumerate(gemms):
        r = g.repeat
        cycles = int(c["cycles"][i]) * r
        lat = cycles * period
        sram = r * (c["sram_ifmap_reads"][i] * in_b * em.ifmap_sram_j_per_byte
                    + c["sram_filter_reads"][i] * in_b * em.filter_sram_j_per_byte
                    + c["sram_ofmap_writes"][i] * acc_b * em.ofmap_sram_j_per_byte)
        dram = r * em.dram_j_per_byte * (c["dram_ifmap_reads"][i] * in_b
                                         + c["dram_filter_reads"][i] * in_b
                                         + c["dram_ofmap_writes"][i] * acc_b)
        layers.append(LayerResult(
            name=g.name, m=g.m, n=g.n, k=g.k, repeat=r, macs=g.macs, cycles=cycles,
            latency_s=lat, utilization=g.macs / max(1, cycles * hw.n_pes),
            energy_mac_j=g.macs * em.mac_j, energy_sram_j=float(sram), energy_dram_j=float(dram),
            energy_leak_j=em.leakage_w * lat))
    notes = ["energy: Horowitz ISSCC 2014 45 nm constants scaled by C V^2 (sim/energy.py)",
             "leakage: OSU 0.18 um liberty leakage density held constant across nodes"]
    return InferencePerf(engine=engine, layers=layers, die_area_mm2=area, notes=notes)
