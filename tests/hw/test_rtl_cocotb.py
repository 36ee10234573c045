"""cocotb + Icarus verification of the generated RTL: full tiled GEMMs against NumPy.

Each test generates the Verilog of one design, builds it with cocotb's runner and runs
``carbonflow.hw.gemm_tb.gemm_cases`` on it; the cocotb results file (not the runner's return) decides.
"""

from __future__ import annotations

import re

import pytest

from carbonflow.hw.config import AcceleratorConfig
from carbonflow.hw.verify import have_icarus, run_gemm_cases
from carbonflow.hw.verilog import generate_verilog

pytestmark = [pytest.mark.sim,
              pytest.mark.skipif(not have_icarus(), reason="Icarus Verilog (iverilog) not on PATH")]


def shape_cases(r: int, c: int) -> list[dict]:
    """Shapes that need tiling, are not multiples of the array, and edge values."""
    return [
        {"m": 1, "n": 1, "k": 1},
        {"m": r, "n": c, "k": r},                    # exactly one tile
        {"m": 2 * r + 1, "n": 2 * c + 1, "k": 2 * r + 3},  # partial tiles on every edge
        {"m": 5, "n": 3, "k": 7},
        {"m": 3 * r, "n": 1, "k": r + 1},            # tall, one output column
        {"m": 1, "n": 3 * c - 1, "k": 2},            # wide, one output row
        {"m": r + 1, "n": c + 1, "k": 9, "kind": "min"},
        {"m": r + 1, "n": c + 1, "k": 9, "kind": "max"},
        {"m": r + 1, "n": c + 1, "k": 9, "kind": "minmax"},
        {"m": 0, "n": 3, "k": 3, "kind": "zero"},
    ]


ARRAYS = [(2, 2), (4, 4), (8, 8), (3, 5), (5, 3)]


@pytest.mark.parametrize("dataflow", ["os", "ws"])
@pytest.mark.parametrize("rows, cols", ARRAYS, ids=[f"{r}x{c}" for r, c in ARRAYS])
def test_tiled_gemm_matches_numpy(rows, cols, dataflow, tmp_path):
    cfg = AcceleratorConfig(rows=rows, cols=cols, dataflow=dataflow,
                            ifmap_kb=4, filter_kb=4, ofmap_kb=4)
    tests, failed = run_gemm_cases(cfg, shape_cases(rows, cols), tmp_path, seed=rows * 100 + cols)
    assert tests == 1 and failed == 0


@pytest.mark.parametrize("dataflow", ["os", "ws"])
def test_accumulator_wraps_modulo_2_pow_acc_width(dataflow, tmp_path):
    """16-bit accumulators: (-128)*(-128)*4 = 65536 wraps to 0, *3 wraps negative (documented)."""
    cfg = AcceleratorConfig(rows=2, cols=2, acc_width=16, dataflow=dataflow,
                            ifmap_kb=1, filter_kb=1, ofmap_kb=1)
    cases = [{"m": 3, "n": 3, "k": 4, "kind": "min"}, {"m": 2, "n": 3, "k": 3, "kind": "min"},
             {"m": 3, "n": 2, "k": 5, "kind": "max"}, {"m": 4, "n": 4, "k": 7, "kind": "minmax"},
             {"m": 5, "n": 5, "k": 11}]
    tests, failed = run_gemm_cases(cfg, cases, tmp_path)
    assert tests == 1 and failed == 0


@pytest.mark.parametrize("dataflow", ["os", "ws"])
def test_broken_rtl_is_caught(dataflow, tmp_path):
    """Flip one adder of one PE into a subtractor: the comparison must fail."""
    cfg = AcceleratorConfig(rows=2, cols=2, dataflow=dataflow, ifmap_kb=1, filter_kb=1, ofmap_kb=1)
    text = generate_verilog(cfg)
    start = text.index("module \\carbonflow_accel.array.pe_1_1 ")
    end = text.index("endmodule", start)
    body, n = re.subn(r"\$signed\(([^)]*)\) \+ \$signed", r"$signed(\1) - $signed",
                      text[start:end], count=1)
    assert n == 1, "mutation point not found in the PE"
    broken = tmp_path / "broken.v"
    broken.write_text(text[:start] + body + text[end:])
    tests, failed = run_gemm_cases(cfg, [{"m": 3, "n": 3, "k": 3}], tmp_path, verilog=broken)
    assert tests == 1 and failed == 1


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-v"]))
