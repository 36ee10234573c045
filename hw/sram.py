"""On-chip buffer: a simple dual-port (one read, one write) synchronous SRAM.

It is its own Verilog module (``<top>.buf_a`` etc.) so that synthesis can black-box it: buffer area
comes from the per-bit SRAM model in :mod:`carbonflow.hw.tech`, never from flip-flops.
"""

from __future__ import annotations

from amaranth import Module
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out

from carbonflow.flows.errors import check_int

__all__ = ["Sram", "write_signature", "read_signature"]


def write_signature(addr_width: int, data_width: int) -> wiring.Signature:
    """Write port as seen by its driver: ``en``, ``addr``, ``data`` all driven by the writer."""
    return wiring.Signature({"en": Out(1), "addr": Out(addr_width), "data": Out(data_width)})


def read_signature(addr_width: int, data_width: int) -> wiring.Signature:
    """Read port as seen by its driver: ``addr`` out, ``data`` back one cycle later."""
    return wiring.Signature({"addr": Out(addr_width), "data": In(data_width)})


class Sram(wiring.Component):
    """``depth`` words of ``width`` bits; reads have one cycle of latency and are not transparent.

    Args:
        width: word width in bits.
        depth: number of words.
    """

    def __init__(self, *, width: int, depth: int):
        self.width = check_int("width", width, 1)
        self.depth = check_int("depth", depth, 1)
        self.addr_width = max(1, (depth - 1).bit_length())
        super().__init__({
            "wr": In(write_signature(self.addr_width, width)),
            "rd": In(read_signature(self.addr_width, width)),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.mem = mem = memory.Memory(shape=self.width, depth=self.depth, init=[])
        wp = mem.write_port()
        rp = mem.read_port(transparent_for=())
        m.d.comb += [
            wp.en.eq(self.wr.en), wp.addr.eq(self.wr.addr), wp.data.eq(self.wr.data),
            rp.addr.eq(self.rd.addr), self.rd.data.eq(rp.data),
        ]
        return m
