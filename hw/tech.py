"""Technology data for area: logic scaling from the synthesis library, SRAM per-bit area.

Logic area
----------
Synthesis maps to the OSU 0.18 um standard cells (Debian ``qflow-tech-osu018``). A standard cell
is a whole number of horizontal routing tracks high and of vertical tracks wide, so when a library
is redrawn at another node its cell area scales with the product of the two routing pitches.
The rule used here is therefore::

    area(node) = area(180 nm) * (CPP(node) * M1P(node)) / (site_w_180 * M1P_180)

with the OSU 0.18 um values read from ``osu018_stdcells.lef`` (``SITE core SIZE 0.800 BY 10.000``,
``LAYER metal1 PITCH 1``; the site width is the vertical-track pitch) and the contacted poly pitch
(CPP) and minimum metal pitch (M1P) of each node from its process paper (table below). This is a
first-order rule: it ignores track-count reduction (fewer tracks per cell at advanced nodes) and
design-rule overheads, which is stated wherever a scaled area is printed.

SRAM area
---------
Buffers are not synthesised from flip-flops. Their area is ``bits * bitcell / efficiency`` with the
published high-density 6T bitcell of each node (table below) and an array efficiency (bit-cell
area / macro area) of :data:`SRAM_ARRAY_EFFICIENCY`.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbonflow.flows.errors import check_choice, check_int

__all__ = ["NodeData", "NODE_DATA", "OSU018", "logic_area_scale", "sram_area_um2",
           "SRAM_ARRAY_EFFICIENCY"]


@dataclass(frozen=True, slots=True)
class NodeData:
    """Published geometry of one node: pitches in nm, bitcell in um^2, and where they come from."""

    cpp_nm: float
    m1p_nm: float
    bitcell_um2: float
    source: str


#: The synthesis library's own geometry (file ``/usr/share/qflow/tech/osu018/osu018_stdcells.lef``).
OSU018 = {"site_width_um": 0.8, "m1_pitch_um": 1.0, "node_nm": 180,
          "source": "qflow-tech-osu018: osu018_stdcells.lef, SITE core 0.8 x 10.0, metal1 PITCH 1"}

#: Per-node CPP, M1 pitch and high-density 6T SRAM bitcell area.
NODE_DATA: dict[int, NodeData] = {
    45: NodeData(160, 150, 0.346,
                 "Intel 45 nm HK/MG: Mistry et al., IEDM 2007 (CPP 160, M1 150, 0.346 um2 cell)"),
    28: NodeData(117, 90, 0.127,
                 "TSMC 28 nm HKMG: CPP 117, M1 90 (WikiChip '28 nm'); 0.127 um2 HD cell "
                 "(Wu et al., IEDM 2010)"),
    22: NodeData(90, 90, 0.092,
                 "Intel 22 nm tri-gate: Auth et al., VLSI 2012 (CPP 90, M1 90, 0.092 um2 cell)"),
    20: NodeData(90, 64, 0.081,
                 "TSMC 20SoC: CPP 90, M1 64, 0.081 um2 HD cell (WikiChip '20 nm', TSMC 2013)"),
    14: NodeData(70, 52, 0.0588,
                 "Intel 14 nm: Natarajan et al., IEDM 2014 (CPP 70, M1 52, 0.0588 um2 cell)"),
    10: NodeData(54, 36, 0.0312,
                 "Intel 10 nm: Auth et al., IEDM 2017 (CPP 54, M1 36, 0.0312 um2 cell)"),
    7: NodeData(57, 40, 0.027,
                "TSMC N7: Wu et al., IEDM 2016 (CPP 57, M1 40, 0.027 um2 cell)"),
    5: NodeData(51, 28, 0.021,
                "TSMC N5: Yeap et al., IEDM 2019 (CPP 51, M1 28, 0.021 um2 cell)"),
    3: NodeData(45, 23, 0.0199,
                "TSMC N3: CPP 45, M1 23, 0.0199 um2 HD cell (TSMC, ISSCC 2023 / WikiChip '3 nm')"),
}

#: Bit-cell area over SRAM macro area. Assumption, not a measurement: CACTI 6.5 (Muralimanohar,
#: Balasubramonian and Jouppi, HPL-2009-85) reports array efficiencies of roughly 0.5-0.8 for
#: 16 KiB-1 MiB banks; 0.7 is the middle of that range.
SRAM_ARRAY_EFFICIENCY = 0.7


def logic_area_scale(node_nm: int) -> float:
    """Factor from OSU 0.18 um cell area to ``node_nm`` cell area (pitch-product rule)."""
    check_choice("node_nm", node_nm, sorted(NODE_DATA, reverse=True))
    nd = NODE_DATA[node_nm]
    base_um2 = OSU018["site_width_um"] * OSU018["m1_pitch_um"]
    return (nd.cpp_nm * nd.m1p_nm * 1e-6) / base_um2


def sram_area_um2(bits: int, node_nm: int) -> float:
    """Area of an SRAM of ``bits`` bits at ``node_nm`` (um^2)."""
    check_int("bits", bits, 0)
    check_choice("node_nm", node_nm, sorted(NODE_DATA, reverse=True))
    return bits * NODE_DATA[node_nm].bitcell_um2 / SRAM_ARRAY_EFFICIENCY
