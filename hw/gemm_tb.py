"""cocotb testbench of the generated accelerator: full tiled GEMMs against NumPy.

:func:`carbonflow.hw.verify.run_gemm_cases` (used by the tests and by ``carbonflow flow``)
builds the Verilog and passes the design and the cases through environment variables. A driver
(buffer writes, command handshake, result reads) and the reference model
(:func:`carbonflow.hw.layout.gemm_reference`) are kept apart.
"""

from __future__ import annotations

import json
import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge

from carbonflow.hw.accelerator import DIM_BITS
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.hw.layout import c_words_used, check_fits, gemm_reference, pack_a, pack_b, unpack_c

CFG = AcceleratorConfig.from_dict(json.loads(os.environ["CARBONFLOW_DESIGN"]))
CASES = json.loads(os.environ["CARBONFLOW_CASES"])


def make_operands(case: dict, rng: np.random.Generator):
    lo, hi = -(1 << (CFG.in_width - 1)), (1 << (CFG.in_width - 1)) - 1
    m, n, k = case["m"], case["n"], case["k"]
    kind = case.get("kind", "random")
    if kind == "random":
        return rng.integers(lo, hi + 1, (m, k)), rng.integers(lo, hi + 1, (k, n))
    if kind == "min":
        return np.full((m, k), lo), np.full((k, n), lo)
    if kind == "max":
        return np.full((m, k), hi), np.full((k, n), hi)
    if kind == "minmax":
        return np.full((m, k), lo), np.full((k, n), hi)
    raise ValueError(f"unknown case kind {kind!r}")


class GemmDriver:
    """Host-side driver of the accelerator's buffer ports and command stream."""

    def __init__(self, dut):
        self.dut = dut

    async def reset(self):
        d = self.dut
        d.rst.value = 1
        d.cmd__valid.value = 0
        d.a_wr__en.value = 0
        d.b_wr__en.value = 0
        d.c_rd__addr.value = 0
        await ClockCycles(d.clk, 2)
        d.rst.value = 0
        await RisingEdge(d.clk)

    async def write(self, prefix: str, words: list[int]):
        en = getattr(self.dut, f"{prefix}__en")
        addr = getattr(self.dut, f"{prefix}__addr")
        data = getattr(self.dut, f"{prefix}__data")
        for i, w in enumerate(words):
            en.value, addr.value, data.value = 1, i, w
            await RisingEdge(self.dut.clk)
        en.value = 0

    async def run(self, m: int, n: int, k: int, timeout_cycles: int) -> tuple[int, bool]:
        """Issue one command, wait for ``done``; return (cycles, error flag)."""
        d = self.dut
        d.cmd__payload.value = m | (n << DIM_BITS) | (k << 2 * DIM_BITS)
        d.cmd__valid.value = 1
        await ReadOnly()
        assert int(d.cmd__ready.value) == 1, "accelerator not ready for a command while idle"
        await RisingEdge(d.clk)  # the command is accepted on this edge
        d.cmd__valid.value = 0
        for cycles in range(timeout_cycles + 1):
            await ReadOnly()
            if int(d.done.value):
                err = bool(int(d.error.value))
                await RisingEdge(d.clk)
                return cycles, err
            await RisingEdge(d.clk)
        raise AssertionError(f"no done within {timeout_cycles} cycles for M={m} N={n} K={k}")

    async def read_c(self, count: int) -> list[int]:
        """Read C words 0..count-1 (one per cycle: address before a rising edge, data after it)."""
        d = self.dut
        out = []
        for i in range(count):
            d.c_rd__addr.value = i
            await RisingEdge(d.clk)
            await FallingEdge(d.clk)
            out.append(int(d.c_rd__data.value.to_unsigned()))
        return out


@cocotb.test()
async def gemm_cases(dut):
    """Every case in CARBONFLOW_CASES: load A and B, run, read C, compare with NumPy."""
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    drv = GemmDriver(dut)
    await drv.reset()
    rng = np.random.default_rng(int(os.environ.get("CARBONFLOW_SEED", "42")))
    failures = []
    for case in CASES:
        m, n, k = case["m"], case["n"], case["k"]
        if case.get("kind") == "zero":
            _, err = await drv.run(m, n, k, timeout_cycles=10)
            if not err:
                failures.append(f"{case}: zero dimension did not raise the error flag")
            continue
        check_fits(CFG, m, n, k)
        a, b = make_operands(case, rng)
        await drv.write("a_wr", pack_a(a, CFG))
        await drv.write("b_wr", pack_b(b, CFG))
        bound = 4 * (m + n + k + CFG.rows + CFG.cols) * (m // CFG.rows + 1) * (n // CFG.cols + 1) \
            * (k // CFG.rows + 1)
        cycles, err = await drv.run(m, n, k, timeout_cycles=bound)
        got = unpack_c(await drv.read_c(c_words_used(CFG, m, n)), m, n, CFG)
        want = gemm_reference(a, b, CFG.acc_width)
        dut._log.info("case %s: %d cycles", case, cycles)
        if err:
            failures.append(f"{case}: error flag set")
        if not np.array_equal(got, want):
            bad = np.argwhere(got != want)
            i, j = bad[0]
            failures.append(f"{case}: {len(bad)} of {m * n} elements differ; first at [{i},{j}]: "
                            f"RTL {got[i, j]} != NumPy {want[i, j]}")
    assert not failures, "\n".join(failures)
