"""Carbon of training a large model, in the spirit of LLMCarbon (Faiz et al., ICLR 2024).

Two ways in:

* from compute: ``FLOPs = 6 * N_active * D`` (Kaplan et al. 2020; for a mixture of experts,
  N_active is the parameters used per token), ``time = FLOPs / (devices * peak * efficiency)``;
* from a measured run (devices, days and average power, as Patterson et al. 2021 report them).

Energy = devices x hours x average system power per device x PUE; operational CO2e = energy x
grid intensity; embodied = the accelerators' and servers' manufacturing carbon times the share of
their lifetime the run occupies.

Hardware efficiency: the device's measured base efficiency (Patterson et al. 2021, Table 4:
measured TFLOP/s over peak) reduced by the pipeline bubble ``(p - 1) / m`` of a p-stage pipeline
with m micro-batches (Narayanan et al., SC 2021, Sec. 2.2), and by the fraction of time spent in
the all-to-all of expert parallelism, ``alltoall_fraction`` (0 unless given). Tensor and data
parallelism are taken as folded into the measured base efficiency.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from carbonflow.carbon.embodied import embodied_carbon
from carbonflow.flows.errors import ConfigError, check_int, check_real

__all__ = ["Device", "DEVICES", "TrainingEstimate", "estimate_from_flops", "estimate_from_run",
           "PATTERSON_2021"]


@dataclass(frozen=True, slots=True)
class Device:
    """An accelerator. FLOP/s in dense 16-bit; powers in W; die in mm^2; memory in GB."""

    name: str
    peak_flops: float
    avg_system_w: float
    base_efficiency: float
    node_nm: int | None
    die_mm2: float | None
    hbm_gb: float
    source: str


#: Peak dense 16-bit FLOP/s and die sizes from the vendors' architecture white papers (NVIDIA
#: V100 2017, A100 2020, H100 2022; Google TPU v3 from Jouppi et al., CACM 2020). Average system
#: power per device and base efficiency (measured / peak) from Patterson et al. 2021, Table 4
#: (V100 for GPT-3: 330 W, 24.6 of 125 TFLOP/s; TPU v3 for T5: 310 W, 45.6 of 123 TFLOP/s).
#: A100/H100: no measured counterpart there, so their TDP (400 W, 700 W) and the V100's
#: efficiency are used (assumptions).
DEVICES = {
    "v100": Device("v100", 125e12, 330.0, 24.6 / 125, 14, 815.0, 32.0,
                   "NVIDIA V100 white paper; Patterson 2021 Table 4 (GPT-3)"),
    "a100": Device("a100", 312e12, 400.0, 24.6 / 125, 7, 826.0, 80.0,
                   "NVIDIA A100 white paper (TDP); efficiency as V100 (assumption)"),
    "h100": Device("h100", 989e12, 700.0, 24.6 / 125, 5, 814.0, 80.0,
                   "NVIDIA H100 white paper (TDP); efficiency as V100 (assumption)"),
    "tpuv3": Device("tpuv3", 123e12, 310.0, 45.6 / 123, None, None, 32.0,
                    "Jouppi et al. CACM 2020; Patterson 2021 Table 4 (T5)"),
}
#: Embodied carbon of one server (compute node) and of one accelerator when its die area is
#: unknown, kg CO2e, and their lifetime: Luccioni, Viguier and Ligozat, "Estimating the carbon
#: footprint of BLOOM" (JMLR 2023), Sec. 4.1: 2500 kg per node, 150 kg per GPU, 6-year lifetime.
SERVER_KG = 2500.0
ACCELERATOR_KG_FALLBACK = 150.0
HW_LIFETIME_YEARS = 6.0
DEVICES_PER_SERVER = 8


@dataclass(frozen=True)
class TrainingEstimate:
    """Energy in MWh, CO2e in t, time in days."""

    flops: float | None
    devices: int
    days: float
    energy_mwh: float
    operational_t: float
    embodied_accelerators_t: float
    embodied_servers_t: float
    efficiency: float | None
    notes: list[str]

    @property
    def total_t(self) -> float:
        return self.operational_t + self.embodied_accelerators_t + self.embodied_servers_t

    def to_dict(self) -> dict:
        return dict(asdict(self), total_t=self.total_t)


def _device(name: str) -> Device:
    if name not in DEVICES:
        raise ConfigError(f"device must be one of {', '.join(DEVICES)}; got {name!r}")
    return DEVICES[name]


def _embodied_t(dev: Device, devices: int, days: float) -> tuple[float, float]:
    share = days / (HW_LIFETIME_YEARS * 365.0)
    if dev.die_mm2 and dev.node_nm:
        acc = embodied_carbon(dev.die_mm2, dev.node_nm, dram_gb=dev.hbm_gb,
                              dram_type="ddr4_10nm").total_kg
    else:
        acc = ACCELERATOR_KG_FALLBACK
    servers = -(-devices // DEVICES_PER_SERVER)
    return acc * devices * share / 1000.0, SERVER_KG * servers * share / 1000.0


def estimate_from_run(*, device: str, devices: int, days: float, pue: float, ci_g_per_kwh: float,
                      avg_system_w: float | None = None, flops: float | None = None,
                      include_embodied: bool = True) -> TrainingEstimate:
    """Energy and CO2e of a run of known size and duration (Patterson et al. 2021 arithmetic)."""
    dev = _device(device)
    check_int("devices", devices, 1)
    check_real("days", days, 0.0, lo_open=True)
    check_real("pue", pue, 1.0, 3.0)
    check_real("ci_g_per_kwh", ci_g_per_kwh, 0.0)
    watts = dev.avg_system_w if avg_system_w is None else check_real("avg_system_w", avg_system_w,
                                                                     0.0, lo_open=True)
    mwh = devices * days * 24.0 * watts * pue / 1e6
    acc_t, srv_t = _embodied_t(dev, devices, days) if include_embodied else (0.0, 0.0)
    return TrainingEstimate(flops=flops, devices=devices, days=days, energy_mwh=mwh,
                            operational_t=mwh * ci_g_per_kwh / 1000.0,
                            embodied_accelerators_t=acc_t, embodied_servers_t=srv_t,
                            efficiency=None, notes=[f"device: {dev.source}"])


def estimate_from_flops(*, params: float, tokens: float, device: str, devices: int, pue: float,
                        ci_g_per_kwh: float, active_fraction: float = 1.0, pipeline_stages: int = 1,
                        micro_batches: int = 1, alltoall_fraction: float = 0.0,
                        include_embodied: bool = True) -> TrainingEstimate:
    """Training time, energy and CO2e from ``6 N D`` FLOPs.

    Args:
        params: total parameters N. ``active_fraction`` of them are used per token (MoE).
        tokens: training tokens D.
        pipeline_stages, micro_batches: pipeline parallelism (bubble ``(p-1)/m``).
        alltoall_fraction: time share of expert-parallel all-to-all, in [0, 0.9].
    """
    dev = _device(device)
    check_real("params", params, 0.0, lo_open=True)
    check_real("tokens", tokens, 0.0, lo_open=True)
    check_real("active_fraction", active_fraction, 0.0, 1.0, lo_open=True)
    check_int("pipeline_stages", pipeline_stages, 1)
    check_int("micro_batches", micro_batches, 1)
    check_real("alltoall_fraction", alltoall_fraction, 0.0, 0.9)
    flops = 6.0 * params * active_fraction * tokens
    bubble = (pipeline_stages - 1) / micro_batches
    eff = dev.base_efficiency / (1.0 + bubble) * (1.0 - alltoall_fraction)
    seconds = flops / (devices * dev.peak_flops * eff)
    est = estimate_from_run(device=device, devices=devices, days=seconds / 86400.0, pue=pue,
                            ci_g_per_kwh=ci_g_per_kwh, flops=flops,
                            include_embodied=include_embodied)
    notes = est.notes + [f"FLOPs = 6 x {params * active_fraction:.3g} x {tokens:.3g}",
                         f"efficiency {eff:.3f} = base {dev.base_efficiency:.3f} / (1 + bubble "
                         f"{bubble:.3f}) x (1 - all-to-all {alltoall_fraction:.2f})"]
    return TrainingEstimate(**{**asdict(est), "efficiency": eff, "notes": notes})


#: Patterson et al. 2021, "Carbon Emissions and Large Neural Network Training", Table 4: the
#: published inputs (chips, days, measured average W per chip, PUE, gross kg CO2e/kWh) and
#: results (MWh, gross tCO2e).
PATTERSON_2021 = {
    "T5": dict(device="tpuv3", devices=512, days=20.0, avg_system_w=310, pue=1.12, ci=545,
               mwh=85.7, tco2e=46.7),
    "Meena": dict(device="tpuv3", devices=1024, days=30.0, avg_system_w=289, pue=1.09, ci=415,
                  mwh=232.0, tco2e=96.4),
    "GShard-600B": dict(device="tpuv3", devices=1024, days=3.1, avg_system_w=288, pue=1.09,
                        ci=201, mwh=24.1, tco2e=4.8),
    "Switch": dict(device="tpuv3", devices=1024, days=27.0, avg_system_w=245, pue=1.10, ci=330,
                   mwh=179.0, tco2e=59.1),
    "GPT-3": dict(device="v100", devices=10000, days=14.8, avg_system_w=330, pue=1.10, ci=429,
                  mwh=1287.0, tco2e=552.1),
}
