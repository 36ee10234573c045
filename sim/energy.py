"""Energy of an inference from MAC and access counts, per technology node.

Reference energies at 45 nm, 0.9 V are from M. Horowitz, "Computing's energy problem (and what we
can do about it)", ISSCC 2014, Fig. 1.1.9 ("rough energy costs for various operations in 45 nm"):

* 8-bit integer multiply 0.2 pJ, 32-bit integer add 0.1 pJ -> one int8 MAC with a 32-bit
  accumulator = 0.3 pJ (:data:`MAC_PJ_45`);
* SRAM read of 64 bits: 10 pJ (8 KB), 20 pJ (32 KB), 100 pJ (1 MB) -> per byte, interpolated as a
  power law in capacity between those points (:func:`sram_pj_per_byte`);
* DRAM: 1.3-2.6 nJ per 64-bit access -> the mean, 1.95 nJ / 8 B = 243.75 pJ per byte
  (:data:`DRAM_PJ_PER_BYTE`); off-chip, so it does not scale with the accelerator's node.

Node scaling of on-chip dynamic energy follows the classical C V^2 rule (Dennard et al., IEEE
JSSC 1974): capacitance scales with feature length, taken as sqrt(CPP x M1P) from
:data:`carbonflow.hw.tech.NODE_DATA`, and V with the node's nominal supply
(:data:`NOMINAL_VDD`).

Leakage: static power density of the synthesis library, read from the liberty
(``cell_leakage_power`` / ``area`` averaged over its cells, see :func:`leakage_w_per_mm2`), times
die area, times latency. Holding the density constant across nodes is an assumption (leakage
per transistor does not fall as fast as area), stated in every report.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from carbonflow.flows.errors import check_choice, check_real
from carbonflow.hw.tech import NODE_DATA

__all__ = ["MAC_PJ_45", "DRAM_PJ_PER_BYTE", "NOMINAL_VDD", "EnergyModel", "sram_pj_per_byte",
           "node_energy_scale", "leakage_w_per_mm2"]

MAC_PJ_45 = 0.2 + 0.1  # Horowitz 2014: 8b mult + 32b add at 45 nm
DRAM_PJ_PER_BYTE = (1300 + 2600) / 2 / 8  # Horowitz 2014: 1.3-2.6 nJ per 64-bit DRAM access
#: Horowitz 2014, 64-bit SRAM reads at 45 nm: (capacity in bytes, pJ per 64-bit access).
SRAM_POINTS_45 = ((8 * 1024, 10.0), (32 * 1024, 20.0), (1024 * 1024, 100.0))
VDD_45 = 0.9  # Horowitz 2014 states his 45 nm numbers at 0.9 V

#: Nominal core supply (V) of each node, from the process papers listed in hw/tech.py NODE_DATA
#: (45: 0.9 V, the voltage of Horowitz's numbers; 28: 0.9 V; 22: Auth 2012 0.8 V; 20: 0.9 V;
#: 14: Natarajan 2014 0.7 V;
#: 10: Auth 2017 0.7 V; 7: Wu 2016 0.75 V; 5: Yeap 2019 0.7 V; 3: 0.65 V (TSMC N3, ISSCC 2023)).
NOMINAL_VDD = {45: 0.9, 28: 0.9, 22: 0.8, 20: 0.9, 14: 0.7, 10: 0.7, 7: 0.75, 5: 0.7, 3: 0.65}


def node_energy_scale(node_nm: int) -> float:
    """Dynamic-energy factor from Horowitz's 45 nm / 0.9 V to ``node_nm`` (C V^2 rule)."""
    check_choice("node_nm", node_nm, sorted(NODE_DATA, reverse=True))
    ref, nd = NODE_DATA[45], NODE_DATA[node_nm]
    length = math.sqrt(nd.cpp_nm * nd.m1p_nm) / math.sqrt(ref.cpp_nm * ref.m1p_nm)
    return length * (NOMINAL_VDD[node_nm] / VDD_45) ** 2


def sram_pj_per_byte(capacity_bytes: float, node_nm: int = 45) -> float:
    """Energy per byte accessed in an SRAM of ``capacity_bytes`` (power law through Horowitz)."""
    check_real("capacity_bytes", capacity_bytes, 0.0, lo_open=True)
    pts = SRAM_POINTS_45
    if capacity_bytes <= pts[1][0]:
        (c0, e0), (c1, e1) = pts[0], pts[1]
    else:
        (c0, e0), (c1, e1) = pts[1], pts[2]
    alpha = math.log(e1 / e0) / math.log(c1 / c0)
    e64 = e0 * (capacity_bytes / c0) ** alpha
    return e64 / 8.0 * node_energy_scale(node_nm)


@lru_cache(maxsize=4)
def leakage_w_per_mm2(liberty: str) -> float:
    """Mean ``cell_leakage_power / area`` of the liberty's cells, in W/mm^2.

    Units from the OSU liberty header: ``leakage_power_unit : "1nW"``, area in um^2.
    """
    text = Path(liberty).read_text()
    ratios = []
    for block in text.split("cell (")[1:]:
        area = re.search(r"\barea\s*:\s*([0-9.]+)", block)
        leak = re.search(r"cell_leakage_power\s*:\s*([0-9.eE+-]+)", block)
        if area and leak and float(area.group(1)) > 0:
            ratios.append(float(leak.group(1)) * 1e-9 / (float(area.group(1)) * 1e-6))
    if not ratios:
        return 0.0
    return sum(ratios) / len(ratios)


@dataclass(frozen=True, slots=True)
class EnergyModel:
    """Per-event energies (J) for one accelerator design at its node."""

    mac_j: float
    ifmap_sram_j_per_byte: float
    filter_sram_j_per_byte: float
    ofmap_sram_j_per_byte: float
    dram_j_per_byte: float
    leakage_w: float

    @classmethod
    def for_design(cls, cfg, die_area_mm2: float, liberty: str | None = None) -> EnergyModel:
        """Energies of ``cfg`` (an AcceleratorConfig) with a die of ``die_area_mm2``."""
        from carbonflow.hw.synth import DEFAULT_LIBERTY

        s = node_energy_scale(cfg.node_nm)
        lib = liberty or DEFAULT_LIBERTY
        leak = leakage_w_per_mm2(lib) * die_area_mm2 if Path(lib).exists() else 0.0
        return cls(
            mac_j=MAC_PJ_45 * s * 1e-12,
            ifmap_sram_j_per_byte=sram_pj_per_byte(cfg.ifmap_kb * 1024, cfg.node_nm) * 1e-12,
            filter_sram_j_per_byte=sram_pj_per_byte(cfg.filter_kb * 1024, cfg.node_nm) * 1e-12,
            ofmap_sram_j_per_byte=sram_pj_per_byte(cfg.ofmap_kb * 1024, cfg.node_nm) * 1e-12,
            dram_j_per_byte=DRAM_PJ_PER_BYTE * 1e-12,
            leakage_w=leak,
        )
