"""Fast logic-area model for the search loop, calibrated on carbonflow's own synthesis runs.

Running yosys per candidate is too slow for a search, so the search uses

    logic_area_um2(180 nm) = a * rows * cols + b * (rows**2 + cols**2) + c * (rows + cols) + d

per dataflow (the squared terms are the triangular skew/de-skew register banks at the edges),
with ``a, b, c, d`` fitted by relative least squares to ``carbonflow synth`` results of several
array sizes (int8 operands, 32-bit accumulators). The fit and the runs behind it are in
``hw/area_calibration.json``, written by ``python benchmarks/calibrate_area.py``; a test
re-synthesises a design and checks the model against it. Other widths scale the per-PE term by
the multiplier + accumulator bit count (``in_width**2 + acc_width``) relative to 8x8 + 32.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from carbonflow.hw.config import AcceleratorConfig
from carbonflow.hw.tech import logic_area_scale, sram_area_um2

__all__ = ["CALIBRATION_FILE", "load_calibration", "logic_area_um2_180", "die_area_mm2"]

CALIBRATION_FILE = Path(__file__).with_name("area_calibration.json")


@lru_cache(maxsize=1)
def load_calibration() -> dict:
    return json.loads(CALIBRATION_FILE.read_text())


def logic_area_um2_180(cfg: AcceleratorConfig) -> float:
    """Model of the synthesised logic area of ``cfg`` at 180 nm (um^2), SRAM excluded."""
    fit = load_calibration()["fit"][cfg.dataflow]
    width_scale = (cfg.in_width ** 2 + cfg.acc_width) / (8 ** 2 + 32)
    r, c = cfg.rows, cfg.cols
    return (fit["a"] * r * c * width_scale + fit["b"] * (r * r + c * c) + fit["c"] * (r + c)
            + fit["d"])


def die_area_mm2(cfg: AcceleratorConfig) -> dict[str, float]:
    """Die area at ``cfg.node_nm``: logic (model, pitch-scaled) + SRAM (bitcell model), mm^2."""
    logic = logic_area_um2_180(cfg) * logic_area_scale(cfg.node_nm)
    bits = (cfg.a_depth * cfg.a_word_bits + cfg.b_depth * cfg.b_word_bits
            + cfg.c_depth * cfg.c_word_bits)
    sram = sram_area_um2(bits, cfg.node_nm)
    return {"logic_mm2": logic * 1e-6, "sram_mm2": sram * 1e-6, "total_mm2": (logic + sram) * 1e-6}
