"""The accelerator design point: one frozen, validated dataclass shared by hw/, sim/ and carbon/.

The same :class:`AcceleratorConfig` generates the RTL (:mod:`carbonflow.hw.accelerator`), is
simulated by SCALE-Sim and the analytical model (:mod:`carbonflow.sim`), and gives the die area
and energy that the carbon models use.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

from carbonflow.flows.errors import (ConfigError, check_choice, check_int, check_known_keys,
                                     check_real, read_json_file)

__all__ = ["AcceleratorConfig", "DATAFLOWS", "NODES_NM", "load_design", "save_design"]

#: Dataflows of the generated array; the names are SCALE-Sim's (``os`` output stationary,
#: ``ws`` weight stationary).
DATAFLOWS: tuple[str, ...] = ("os", "ws")

#: Technology nodes (nm) for which area scaling (hw/tech.py), energy (sim/energy.py) and
#: embodied carbon (carbon/embodied.py) all have cited data.
NODES_NM: tuple[int, ...] = (45, 28, 22, 20, 14, 10, 7, 5, 3)


@dataclass(frozen=True, slots=True)
class AcceleratorConfig:
    """A systolic-array accelerator design point.

    Attributes:
        rows: PE rows of the array (``os``: output rows of a tile; ``ws``: reduction depth of a tile).
        cols: PE columns (output columns of a tile in both dataflows).
        in_width: signed operand width in bits (8 = int8).
        acc_width: accumulator width in bits; sums wrap modulo ``2**acc_width`` (two's complement).
        dataflow: ``"os"`` (output stationary) or ``"ws"`` (weight stationary).
        ifmap_kb: A-operand (SCALE-Sim "ifmap") buffer, KiB.
        filter_kb: B-operand (SCALE-Sim "filter") buffer, KiB.
        ofmap_kb: C-result (SCALE-Sim "ofmap") buffer, KiB.
        node_nm: technology node used for area, energy and embodied carbon, nm.
        freq_mhz: clock frequency, MHz.
    """

    rows: int = 8
    cols: int = 8
    in_width: int = 8
    acc_width: int = 32
    dataflow: Literal["os", "ws"] = "os"
    ifmap_kb: int = 64
    filter_kb: int = 64
    ofmap_kb: int = 64
    node_nm: int = 28
    freq_mhz: float = 500.0

    def __post_init__(self) -> None:
        check_int("rows", self.rows, 1, 256)
        check_int("cols", self.cols, 1, 256)
        check_int("in_width", self.in_width, 2, 16)
        check_int("acc_width", self.acc_width, 2 * self.in_width, 64)
        check_choice("dataflow", self.dataflow, DATAFLOWS)
        for name in ("ifmap_kb", "filter_kb", "ofmap_kb"):
            check_int(name, getattr(self, name), 1, 65536)
        check_choice("node_nm", self.node_nm, NODES_NM)
        check_real("freq_mhz", self.freq_mhz, 1.0, 5000.0)
        # Each buffer must hold at least one array-wide word (checked last: it depends on several fields).
        for name, words in (("ifmap_kb", self.a_depth), ("filter_kb", self.b_depth),
                            ("ofmap_kb", self.c_depth)):
            if words < 1:
                raise ConfigError(f"{name}={getattr(self, name)} holds no full array-wide word "
                                  f"for a {self.rows}x{self.cols} array; make it larger")

    # Buffer words: one word feeds (or drains) a whole array edge in one cycle.
    @property
    def a_word_bits(self) -> int:
        """Width of an A-buffer word: ``rows`` operands."""
        return self.rows * self.in_width

    @property
    def b_word_bits(self) -> int:
        """Width of a B-buffer word: ``cols`` operands."""
        return self.cols * self.in_width

    @property
    def c_word_bits(self) -> int:
        """Width of a C-buffer word: ``cols`` accumulators."""
        return self.cols * self.acc_width

    @property
    def a_depth(self) -> int:
        """Words in the A buffer."""
        return self.ifmap_kb * 8192 // self.a_word_bits

    @property
    def b_depth(self) -> int:
        """Words in the B buffer."""
        return self.filter_kb * 8192 // self.b_word_bits

    @property
    def c_depth(self) -> int:
        """Words in the C buffer."""
        return self.ofmap_kb * 8192 // self.c_word_bits

    @property
    def n_pes(self) -> int:
        return self.rows * self.cols

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AcceleratorConfig:
        """Build from a dict; unknown keys are an error that lists the known ones."""
        check_known_keys("design parameter(s)", d, (f.name for f in fields(cls)))
        return cls(**d)


def load_design(path: str | Path) -> AcceleratorConfig:
    """Read a design JSON (an object of :class:`AcceleratorConfig` fields, or ``{"hw": {...}}``)."""
    p = Path(path)
    d = read_json_file(p, "design file")
    if isinstance(d, dict) and "hw" in d and isinstance(d["hw"], dict):
        d = d["hw"]
    if not isinstance(d, dict):
        raise ConfigError(f"design file {str(p)!r} must hold a JSON object, got {type(d).__name__}")
    return AcceleratorConfig.from_dict(d)


def save_design(cfg: AcceleratorConfig, path: str | Path) -> None:
    from carbonflow.flows.cache import atomic_write_text

    atomic_write_text(Path(path), json.dumps(cfg.to_dict(), indent=2, sort_keys=True) + "\n")
