"""Operational carbon over a device's life and the total (embodied + operational) of a design.

    operational = energy per inference x inferences over the lifetime x grid intensity
    total       = embodied x embodied_share + operational

``embodied_share`` is the part of the device's embodied carbon charged to this workload (1 when
the accelerator serves only this model). Defaults are assumptions stated here and in reports:
a 3-year lifetime (ACT's case studies of mobile SoCs, Gupta et al. ISCA 2022 Sec. 6, assume
about three years of use) and one inference per second around the clock.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from carbonflow.flows.errors import check_real

__all__ = ["Usage", "operational_carbon_kg", "CarbonReport", "total_carbon"]

HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True, slots=True)
class Usage:
    """How the device is used. Lifetime in years; rate in inferences per second while on."""

    lifetime_years: float = 3.0
    inferences_per_s: float = 1.0
    duty_cycle: float = 1.0
    embodied_share: float = 1.0

    def __post_init__(self) -> None:
        check_real("lifetime_years", self.lifetime_years, 0.0, 50.0, lo_open=True)
        check_real("inferences_per_s", self.inferences_per_s, 0.0)
        check_real("duty_cycle", self.duty_cycle, 0.0, 1.0)
        check_real("embodied_share", self.embodied_share, 0.0, 1.0)

    @property
    def inferences(self) -> float:
        return self.lifetime_years * HOURS_PER_YEAR * 3600.0 * self.duty_cycle * self.inferences_per_s


def operational_carbon_kg(energy_per_inference_j: float, usage: Usage, ci_g_per_kwh: float) -> float:
    """kg CO2e of all inferences over the lifetime."""
    check_real("energy_per_inference_j", energy_per_inference_j, 0.0)
    check_real("grid intensity", ci_g_per_kwh, 0.0)
    kwh = energy_per_inference_j * usage.inferences / 3.6e6
    return kwh * ci_g_per_kwh / 1000.0


@dataclass(frozen=True, slots=True)
class CarbonReport:
    """Total carbon of a design for a workload, kg CO2e, with its parts."""

    embodied_kg: float
    embodied_charged_kg: float
    operational_kg: float
    inferences: float
    grid_g_per_kwh: float

    @property
    def total_kg(self) -> float:
        return self.embodied_charged_kg + self.operational_kg

    @property
    def per_inference_g(self) -> float:
        return 1000.0 * self.total_kg / self.inferences if self.inferences else float("inf")

    def to_dict(self) -> dict[str, float]:
        return dict(asdict(self), total_kg=self.total_kg, per_inference_g=self.per_inference_g)


def total_carbon(embodied_kg: float, energy_per_inference_j: float, usage: Usage,
                 ci_g_per_kwh: float) -> CarbonReport:
    check_real("embodied_kg", embodied_kg, 0.0)
    return CarbonReport(
        embodied_kg=embodied_kg, embodied_charged_kg=embodied_kg * usage.embodied_share,
        operational_kg=operational_carbon_kg(energy_per_inference_j, usage, ci_g_per_kwh),
        inferences=usage.inferences, grid_g_per_kwh=ci_g_per_kwh)
