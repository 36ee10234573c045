"""RTL verification: build the generated Verilog with Icarus through cocotb's runner and run the
GEMM testbench (:mod:`carbonflow.hw.gemm_tb`) on it. The cocotb results file decides, not the
runner's return (the runner does not fail on a failing test by itself)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from carbonflow.hw.config import AcceleratorConfig
from carbonflow.hw.verilog import TOP_NAME, write_verilog

__all__ = ["have_icarus", "run_gemm_cases"]


def have_icarus() -> bool:
    return shutil.which("iverilog") is not None and shutil.which("vvp") is not None


def run_gemm_cases(cfg: AcceleratorConfig, cases: list[dict], work: Path, seed: int = 42,
                   verilog: Path | None = None) -> tuple[int, int]:
    """Run the cases on the RTL of ``cfg``; return (tests, failed) from cocotb's results file.

    The simulator's output goes to ``work/build.log`` and ``work/sim.log``.

    ``verilog`` overrides the generated source (used to check that a broken RTL fails).
    """
    from cocotb_tools.runner import get_results, get_runner

    work = Path(work)
    src = Path(verilog) if verilog else Path(write_verilog(cfg, work / "rtl")["verilog"])
    runner = get_runner("icarus")
    runner.build(sources=[src], hdl_toplevel=TOP_NAME, build_dir=work / "sim_build",
                 timescale=("1ns", "1ps"), always=True,
                 # Verilog-2005 semantics: declaration initialisers then raise a time-0 event, which
                 # the yosys backend relies on to settle its `always @*` blocks (-g2012 does not).
                 build_args=["-g2005"], log_file=work / "build.log")
    env = {"CARBONFLOW_DESIGN": json.dumps(cfg.to_dict()), "CARBONFLOW_CASES": json.dumps(cases),
           "CARBONFLOW_SEED": str(seed)}
    results_xml = work / "results.xml"
    try:
        runner.test(hdl_toplevel=TOP_NAME, test_module="carbonflow.hw.gemm_tb",
                    build_dir=work / "sim_build", test_dir=work, extra_env=env,
                    results_xml=str(results_xml), log_file=work / "sim.log")
    except SystemExit:
        # cocotb's runner exits when a test fails; the results file below is what decides.
        pass
    return get_results(results_xml)
