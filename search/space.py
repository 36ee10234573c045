"""The joint design space: model pruning knobs + accelerator knobs, and its evaluation.

A point is a dict of variable values. :func:`evaluate_point` turns it into a
:class:`PointResult`: the pruned model (ViT-B-16 by default) runs on the accelerator through the
analytical performance model; die area comes from the calibrated area model plus the SRAM bit
model; embodied carbon from ACT (die, packaging, and the DRAM that holds the int8 weights);
operational carbon from the energy per inference, the usage and the grid. Accuracy is supplied
by the caller (see :mod:`carbonflow.search.accuracy`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from carbonflow.carbon.embodied import embodied_carbon
from carbonflow.carbon.operational import Usage, total_carbon
from carbonflow.flows.errors import ConfigError
from carbonflow.hw.area_model import die_area_mm2
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.model.config import ClipConfig
from carbonflow.model.space import ModelKnobs, decode, param_count
from carbonflow.sim.perf import simulate

__all__ = ["HardwareSpace", "PointResult", "MODEL_VARS", "point_to_configs", "evaluate_point"]

MODEL_VARS = ModelKnobs.__slots__


@dataclass(frozen=True)
class HardwareSpace:
    """Choices for each accelerator knob (the search picks one of each)."""

    rows: tuple[int, ...] = (4, 8, 16, 32)
    cols: tuple[int, ...] = (4, 8, 16, 32)
    dataflow: tuple[str, ...] = ("os", "ws")
    buffer_kb: tuple[int, ...] = (32, 64, 128, 256)
    node_nm: tuple[int, ...] = (28, 22, 14, 7)
    freq_mhz: tuple[float, ...] = (200.0, 400.0, 800.0)

    def __post_init__(self) -> None:
        for name in ("rows", "cols", "dataflow", "buffer_kb", "node_nm", "freq_mhz"):
            vals = getattr(self, name)
            if not vals:
                raise ConfigError(f"hardware.{name} needs at least one choice")
        # validate every choice through the design dataclass and the ACT tables
        from carbonflow.carbon.embodied import act_node

        for n in self.node_nm:
            act_node(n)
        AcceleratorConfig(rows=max(self.rows), cols=max(self.cols), dataflow=self.dataflow[0],
                          ifmap_kb=min(self.buffer_kb), filter_kb=min(self.buffer_kb),
                          ofmap_kb=min(self.buffer_kb), node_nm=self.node_nm[0],
                          freq_mhz=max(self.freq_mhz))
        AcceleratorConfig(rows=min(self.rows), cols=min(self.cols), freq_mhz=min(self.freq_mhz),
                          ifmap_kb=max(self.buffer_kb), filter_kb=max(self.buffer_kb),
                          ofmap_kb=max(self.buffer_kb))
        for d in self.dataflow:
            AcceleratorConfig(dataflow=d)


def point_to_configs(x: dict[str, Any], base: ClipConfig) -> tuple[ModelKnobs, ClipConfig,
                                                                    AcceleratorConfig]:
    knobs = ModelKnobs(**{k: float(x[k]) for k in MODEL_VARS})
    hw = AcceleratorConfig(rows=int(x["rows"]), cols=int(x["cols"]), dataflow=str(x["dataflow"]),
                           ifmap_kb=int(x["ifmap_kb"]), filter_kb=int(x["filter_kb"]),
                           ofmap_kb=int(x["ofmap_kb"]), node_nm=int(x["node_nm"]),
                           freq_mhz=float(x["freq_mhz"]))
    return knobs, decode(base, knobs), hw


@dataclass
class PointResult:
    """Everything known about one evaluated point (SI units; carbon in kg CO2e)."""

    x: dict[str, Any]
    accuracy: float
    accuracy_source: str
    carbon_kg: float
    embodied_kg: float
    operational_kg: float
    latency_s: float
    energy_j: float
    area_mm2: float
    params: int
    hw: dict[str, Any] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_point(x: dict[str, Any], base: ClipConfig, usage: Usage, grid_g_per_kwh: float,
                   accuracy: float, accuracy_source: str) -> PointResult:
    """Hardware cost and carbon of point ``x``; ``accuracy`` comes from the caller."""
    _knobs, model, hw = point_to_configs(x, base)
    area = die_area_mm2(hw)["total_mm2"]
    perf = simulate(model, hw, die_area=area)
    params = param_count(model)
    emb = embodied_carbon(area, hw.node_nm, dram_gb=params / 2 ** 30, dram_type="lpddr4")
    rep = total_carbon(emb.total_kg, perf.energy_j, usage, grid_g_per_kwh)
    return PointResult(x=dict(x), accuracy=accuracy, accuracy_source=accuracy_source,
                       carbon_kg=rep.total_kg, embodied_kg=rep.embodied_charged_kg,
                       operational_kg=rep.operational_kg, latency_s=perf.latency_s,
                       energy_j=perf.energy_j, area_mm2=area, params=params,
                       hw=hw.to_dict(), model=model.to_dict())


