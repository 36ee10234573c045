"""Embodied (manufacturing) carbon: the ACT model (Gupta et al., ISCA 2022).

Logic die: carbon per area

    CPA = (CI_fab * EPA + GPA + MPA) / Y                      (ACT, Eq. 4-5)

with EPA (fab energy per cm^2, kWh), GPA (fab gases per cm^2, g CO2e; 95 % or 99 % abatement) and
MPA (materials per cm^2, g CO2e) per node from ACT's data tables (facebookresearch/ACT,
``models/logic/epa.yaml``, ``gpa_95.yaml``, ``gpa_99.yaml``, ``materials.yaml``; the same numbers
as the ACT paper's Fig. 5), and the default fab yield Y = 0.875 and packaging
``CARBON_PER_IC_PACKAGE = 150 g`` per IC from ACT's ``act/core/common.py``. Memory and storage:
grams per GB from ACT's ``models/dram`` and ``models/ssd`` tables.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from carbonflow.flows.errors import ConfigError, check_choice, check_real

__all__ = ["EPA_KWH_PER_CM2", "GPA_G_PER_CM2", "MPA_G_PER_CM2", "DRAM_G_PER_GB", "SSD_G_PER_GB",
           "PACKAGING_G_PER_IC", "DEFAULT_FAB_YIELD", "FAB_CI_G_PER_KWH", "act_node",
           "carbon_per_cm2_g", "EmbodiedCarbon", "embodied_carbon"]

#: ACT models/logic/epa.yaml: fab energy per cm^2 of wafer (kWh/cm^2).
EPA_KWH_PER_CM2 = {28: 0.90, 20: 1.20, 14: 1.20, 10: 1.475, 7: 2.15, 5: 2.75, 3: 3.25}
#: ACT models/logic/gpa_95.yaml and gpa_99.yaml: fab gases per cm^2 (g CO2e/cm^2) at 95 % / 99 %
#: abatement.
GPA_G_PER_CM2 = {
    95: {28: 175, 20: 190, 14: 200, 10: 240, 7: 350, 5: 430, 3: 470},
    99: {28: 100, 20: 110, 14: 125, 10: 150, 7: 200, 5: 225, 3: 275},
}
#: ACT models/logic/materials.yaml: 500 g CO2e per cm^2 for every node.
MPA_G_PER_CM2 = 500.0
#: ACT act/core/common.py: DEFAULT_FAB_YIELD and CARBON_PER_IC_PACKAGE.
DEFAULT_FAB_YIELD = 0.875
PACKAGING_G_PER_IC = 150.0
#: ACT models/dram (Hynix / Micron / Samsung LCAs): g CO2e per GB.
DRAM_G_PER_GB = {"ddr3_50nm": 600, "ddr3_40nm": 315, "ddr3_30nm": 230, "lpddr3_30nm": 201,
                 "lpddr3_20nm": 184, "lpddr2_20nm": 159, "lpddr4": 48, "ddr4_10nm": 65}
#: ACT models/ssd (Hynix NAND): g CO2e per GB.
SSD_G_PER_GB = {"nand_30nm": 31, "nand_20nm": 15, "nand_10nm": 10, "nand_tlc_1z": 5.6,
                "nand_tlc_v3": 6.3}
#: Default fab grid intensity: Taiwan, 524 g CO2e/kWh, the value the CATransformers
#: configuration (configurations.py, "OPERATIONAL_CARBON_INTENSITY = 524 # Taiwan") uses.
FAB_CI_G_PER_KWH = 524.0

#: 22 nm has no row of its own in ACT: it is charged as ACT's "20 nm" (the 22/20 nm generation).
_NODE_ALIASES = {22: 20}


def act_node(node_nm: int) -> int:
    """The ACT table row used for ``node_nm`` (22 -> 20); other nodes must be in the tables."""
    row = _NODE_ALIASES.get(node_nm, node_nm)
    if row not in EPA_KWH_PER_CM2:
        allowed = sorted(set(EPA_KWH_PER_CM2) | set(_NODE_ALIASES), reverse=True)
        raise ConfigError(f"node_nm must be one of {', '.join(map(str, allowed))} for embodied "
                          f"carbon (ACT fab data); got {node_nm!r}")
    return row


def carbon_per_cm2_g(node_nm: int, *, fab_ci_g_per_kwh: float = FAB_CI_G_PER_KWH,
                     abatement: int = 95, fab_yield: float = DEFAULT_FAB_YIELD) -> float:
    """ACT carbon per cm^2 of good die (g CO2e/cm^2)."""
    row = act_node(node_nm)
    check_choice("abatement", abatement, (95, 99))
    check_real("fab_ci_g_per_kwh", fab_ci_g_per_kwh, 0.0)
    check_real("fab_yield", fab_yield, 0.0, 1.0, lo_open=True)
    return (fab_ci_g_per_kwh * EPA_KWH_PER_CM2[row] + GPA_G_PER_CM2[abatement][row]
            + MPA_G_PER_CM2) / fab_yield


@dataclass(frozen=True, slots=True)
class EmbodiedCarbon:
    """Embodied carbon breakdown, kg CO2e."""

    die_kg: float
    packaging_kg: float
    dram_kg: float
    ssd_kg: float

    @property
    def total_kg(self) -> float:
        return self.die_kg + self.packaging_kg + self.dram_kg + self.ssd_kg

    def to_dict(self) -> dict[str, float]:
        return dict(asdict(self), total_kg=self.total_kg)


def embodied_carbon(die_area_mm2: float, node_nm: int, *, dram_gb: float = 0.0,
                    dram_type: str = "lpddr4", ssd_gb: float = 0.0, ssd_type: str = "nand_tlc_v3",
                    n_ics: int = 1, fab_ci_g_per_kwh: float = FAB_CI_G_PER_KWH,
                    abatement: int = 95, fab_yield: float = DEFAULT_FAB_YIELD) -> EmbodiedCarbon:
    """ACT embodied carbon of a die of ``die_area_mm2`` at ``node_nm`` plus memory and packaging.

    Packaging is charged per IC and divided by the yield, as ACT does.
    """
    check_real("die_area_mm2", die_area_mm2, 0.0, lo_open=True)
    check_real("dram_gb", dram_gb, 0.0)
    check_real("ssd_gb", ssd_gb, 0.0)
    check_choice("dram_type", dram_type, DRAM_G_PER_GB)
    check_choice("ssd_type", ssd_type, SSD_G_PER_GB)
    cpa = carbon_per_cm2_g(node_nm, fab_ci_g_per_kwh=fab_ci_g_per_kwh, abatement=abatement,
                           fab_yield=fab_yield)
    return EmbodiedCarbon(
        die_kg=cpa * die_area_mm2 / 100.0 / 1000.0,
        packaging_kg=n_ics * PACKAGING_G_PER_IC / fab_yield / 1000.0,
        dram_kg=dram_gb * DRAM_G_PER_GB[dram_type] / 1000.0,
        ssd_kg=ssd_gb * SSD_G_PER_GB[ssd_type] / 1000.0,
    )
