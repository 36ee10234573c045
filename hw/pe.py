"""Processing elements of the systolic array (one int MAC each).

Both PEs multiply two signed ``in_width`` operands and add into a signed ``acc_width`` sum that
wraps modulo ``2**acc_width`` (two's complement): the product is exact, the sum is truncated.
"""

from __future__ import annotations

from amaranth import Module, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["OutputStationaryPE", "WeightStationaryPE"]


class OutputStationaryPE(wiring.Component):
    """Output-stationary PE: ``a`` flows right, ``b`` flows down, the sum stays.

    When ``valid_in`` is high the PE adds ``a_in * b_in`` to ``acc`` (or loads it, if ``first_in``
    marks the first reduction step of a tile, so no clear cycle is needed). Operands and flags are
    registered to the neighbours with one cycle of delay.
    """

    def __init__(self, *, in_width: int, acc_width: int):
        self.in_width, self.acc_width = in_width, acc_width
        op = signed(in_width)
        super().__init__({
            "a_in": In(op), "b_in": In(op), "valid_in": In(1), "first_in": In(1),
            "a_out": Out(op), "b_out": Out(op), "valid_out": Out(1), "first_out": Out(1),
            "acc": Out(signed(acc_width)),
        })

    def elaborate(self, platform):
        m = Module()
        m.d.sync += [
            self.a_out.eq(self.a_in), self.b_out.eq(self.b_in),
            self.valid_out.eq(self.valid_in), self.first_out.eq(self.first_in),
        ]
        product = self.a_in * self.b_in
        with m.If(self.valid_in):
            with m.If(self.first_in):
                m.d.sync += self.acc.eq(product)
            with m.Else():
                m.d.sync += self.acc.eq(self.acc + product)
        return m


class WeightStationaryPE(wiring.Component):
    """Weight-stationary PE: the weight stays, ``a`` flows right, partial sums flow down.

    ``w_load`` latches ``w_in`` as the stationary weight. Every cycle the PE registers
    ``psum_out = psum_in + a_in * weight`` and passes ``a_in``/``valid_in`` to the right.
    """

    def __init__(self, *, in_width: int, acc_width: int):
        self.in_width, self.acc_width = in_width, acc_width
        op = signed(in_width)
        super().__init__({
            "a_in": In(op), "valid_in": In(1), "psum_in": In(signed(acc_width)),
            "w_in": In(op), "w_load": In(1),
            "a_out": Out(op), "valid_out": Out(1), "psum_out": Out(signed(acc_width)),
        })

    def elaborate(self, platform):
        m = Module()
        w = Signal(signed(self.in_width))
        with m.If(self.w_load):
            m.d.sync += w.eq(self.w_in)
        m.d.sync += [
            self.a_out.eq(self.a_in),
            self.valid_out.eq(self.valid_in),
            self.psum_out.eq(self.psum_in + self.a_in * w),
        ]
        return m
