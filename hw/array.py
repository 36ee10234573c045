"""The PE grid with its edge skew and de-skew registers.

Output stationary (``os``): each cycle the array takes one column of A (``rows`` operands, one
reduction step ``k``) and one row of B (``cols`` operands, same ``k``); row ``i`` of A and column
``j`` of B are delayed by ``i`` and ``j`` cycles so that A[i, k] and B[k, j] meet in PE (i, j).
After the last step the sums are read out one row per cycle through ``drain_row``/``drain_data``.

Weight stationary (``ws``): weights are written one PE row per cycle (``w_load``, ``w_row``,
``w_vec``). Each cycle the array takes one row of A restricted to the tile's reduction range
(``rows`` operands); partial sums flow down the columns, and column ``j`` is delayed by
``cols - 1 - j`` cycles so that ``out_vec`` holds one whole output row when ``out_valid``.
"""

from __future__ import annotations

from amaranth import Array, Cat, Module, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from carbonflow.hw.config import AcceleratorConfig
from carbonflow.hw.pe import OutputStationaryPE, WeightStationaryPE

__all__ = ["SystolicArray"]


def _delay(m: Module, sig, cycles: int, name: str):
    """Return ``sig`` delayed by ``cycles`` registers (``cycles == 0``: ``sig`` itself)."""
    for c in range(cycles):
        reg = Signal.like(sig, name=f"{name}_d{c}")
        m.d.sync += reg.eq(sig)
        sig = reg
    return sig


class SystolicArray(wiring.Component):
    """A ``rows`` x ``cols`` grid of PEs for ``cfg.dataflow``; the signature depends on it."""

    def __init__(self, cfg: AcceleratorConfig):
        self.cfg = cfg
        op = signed(cfg.in_width)
        acc = signed(cfg.acc_width)
        a_vec = data.ArrayLayout(op, cfg.rows)
        row_vec = data.ArrayLayout(op, cfg.cols)
        out_vec = data.ArrayLayout(acc, cfg.cols)
        if cfg.dataflow == "os":
            members = {
                "a_vec": In(a_vec), "b_vec": In(row_vec), "valid": In(1), "first": In(1),
                "drain_row": In(range(cfg.rows)), "drain_data": Out(out_vec),
            }
        else:
            members = {
                "a_vec": In(a_vec), "valid": In(1),
                "w_vec": In(row_vec), "w_load": In(1), "w_row": In(range(cfg.rows)),
                "out_vec": Out(out_vec), "out_valid": Out(1),
            }
        super().__init__(members)

    def elaborate(self, platform):
        if self.cfg.dataflow == "os":
            return self._elaborate_os()
        return self._elaborate_ws()

    def _pe_grid(self, m: Module, cls):
        cfg = self.cfg
        grid = [[cls(in_width=cfg.in_width, acc_width=cfg.acc_width) for _ in range(cfg.cols)]
                for _ in range(cfg.rows)]
        for i in range(cfg.rows):
            for j in range(cfg.cols):
                m.submodules[f"pe_{i}_{j}"] = grid[i][j]
        return grid

    def _stream_right(self, m: Module, pe, sources) -> None:
        """Delay each row's edge inputs by the row index, then pass them PE to PE rightwards.

        ``sources`` maps a PE port stem (``a`` for ``a_in``/``a_out``) to ``f(row) -> value``.
        """
        for i in range(self.cfg.rows):
            for port, src in sources.items():
                m.d.comb += getattr(pe[i][0], f"{port}_in").eq(
                    _delay(m, src(i), i, f"{port}_skew{i}"))
                for j in range(1, self.cfg.cols):
                    m.d.comb += getattr(pe[i][j], f"{port}_in").eq(
                        getattr(pe[i][j - 1], f"{port}_out"))

    def _elaborate_os(self):
        cfg, m = self.cfg, Module()
        pe = self._pe_grid(m, OutputStationaryPE)
        self._stream_right(m, pe, {"a": lambda i: self.a_vec[i], "valid": lambda i: self.valid,
                                   "first": lambda i: self.first})
        for j in range(cfg.cols):
            m.d.comb += pe[0][j].b_in.eq(_delay(m, self.b_vec[j], j, f"b_skew{j}"))
            for i in range(1, cfg.rows):
                m.d.comb += pe[i][j].b_in.eq(pe[i - 1][j].b_out)
        rows = Array(Cat(*(pe[i][j].acc for j in range(cfg.cols))) for i in range(cfg.rows))
        m.d.comb += self.drain_data.eq(rows[self.drain_row])
        return m

    def _elaborate_ws(self):
        cfg, m = self.cfg, Module()
        pe = self._pe_grid(m, WeightStationaryPE)
        self._stream_right(m, pe, {"a": lambda i: self.a_vec[i], "valid": lambda i: self.valid})
        for i in range(cfg.rows):
            for j in range(cfg.cols):
                m.d.comb += [pe[i][j].w_in.eq(self.w_vec[j]),
                             pe[i][j].w_load.eq(self.w_load & (self.w_row == i))]
        for j in range(cfg.cols):
            m.d.comb += pe[0][j].psum_in.eq(0)
            for i in range(1, cfg.rows):
                m.d.comb += pe[i][j].psum_in.eq(pe[i - 1][j].psum_out)
        bottom = pe[cfg.rows - 1]
        for j in range(cfg.cols):
            m.d.comb += self.out_vec[j].eq(
                _delay(m, bottom[j].psum_out, cfg.cols - 1 - j, f"psum_deskew{j}"))
        # The bottom-right PE's valid is the last column's, which needs no de-skew.
        m.d.comb += self.out_valid.eq(bottom[cfg.cols - 1].valid_out)
        return m
