"""Top level: buffers + systolic array + a tiling controller that runs one whole GEMM per command.

Interface (all synchronous to ``clk``; ``rst`` is synchronous and active high)
-------------------------------------------------------------------------------
``cmd`` (stream, in): payload ``{m, n, k}`` (16 bits each) asks for ``C[M,N] = A[M,K] @ B[K,N]``.
    It is accepted (``cmd__valid & cmd__ready``) only when idle; ``cmd__ready`` is high exactly
    when idle. The controller then walks every tile (see below) without further host action.
``busy`` (out): high from the cycle after acceptance until ``done``.
``done`` (out): one-cycle pulse when the result is in the C buffer. ``error`` is valid with it:
    1 if a dimension was zero (nothing is computed then).
``a_wr``, ``b_wr`` (write ports, in: ``en``, ``addr``, ``data``): host writes into the A and B
    buffers, one word per cycle; ignored while busy.
``c_rd`` (read port: ``addr`` in, ``data`` out one cycle later): host reads the C buffer while idle.

Buffer layouts (one word feeds one array edge; :mod:`carbonflow.hw.layout` packs and unpacks them;
element ``e`` of a word sits in bits ``[e*w, (e+1)*w)``, two's complement, zero-padded):

=========  =======================================  ==========================================
buffer     output stationary (``os``)               weight stationary (``ws``)
=========  =======================================  ==========================================
A (rows)   word ``mt*K + k`` = A[mt*R + i, k]        word ``kt*M + m`` = A[m, kt*R + i]
B (cols)   word ``nt*K + k`` = B[k, nt*C + j]        same as ``os``
C (cols)   word ``(mt*NT + nt)*R + i`` =             word ``nt*M + m`` = C[m, nt*C + j]
           C[mt*R + i, nt*C + j]
=========  =======================================  ==========================================

(R, C: array rows/cols; NT = ceil(N / C).) The host driver checks that a GEMM fits the buffers;
the RTL does not (addresses wrap).

Arithmetic: exact ``in_width`` x ``in_width`` signed products; sums wrap modulo ``2**acc_width``.
"""

from __future__ import annotations

from amaranth import Cat, Module, Mux, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from carbonflow.hw.array import SystolicArray
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.hw.sram import Sram, read_signature, write_signature

__all__ = ["Accelerator", "command_layout", "DIM_BITS"]

#: Width of the M, N, K fields of a command.
DIM_BITS = 16


def command_layout() -> data.StructLayout:
    return data.StructLayout({"m": DIM_BITS, "n": DIM_BITS, "k": DIM_BITS})


def _addr_width(depth: int) -> int:
    return max(1, (depth - 1).bit_length())


class Accelerator(wiring.Component):
    """The generated accelerator for one :class:`AcceleratorConfig` (see module docstring)."""

    def __init__(self, cfg: AcceleratorConfig):
        self.cfg = cfg
        super().__init__({
            "cmd": In(stream.Signature(command_layout())),
            "busy": Out(1),
            "done": Out(1),
            "error": Out(1),
            "a_wr": In(write_signature(_addr_width(cfg.a_depth), cfg.a_word_bits)),
            "b_wr": In(write_signature(_addr_width(cfg.b_depth), cfg.b_word_bits)),
            "c_rd": In(read_signature(_addr_width(cfg.c_depth), cfg.c_word_bits)),
        })

    def elaborate(self, platform):
        cfg = self.cfg
        m = Module()
        m.submodules.buf_a = buf_a = Sram(width=cfg.a_word_bits, depth=cfg.a_depth)
        m.submodules.buf_b = buf_b = Sram(width=cfg.b_word_bits, depth=cfg.b_depth)
        m.submodules.buf_c = buf_c = Sram(width=cfg.c_word_bits, depth=cfg.c_depth)
        m.submodules.array = arr = SystolicArray(cfg)

        busy = Signal()
        m.d.comb += self.busy.eq(busy)
        # Host writes into A and B are ignored while a command runs.
        for port, buf in ((self.a_wr, buf_a), (self.b_wr, buf_b)):
            m.d.comb += [buf.wr.en.eq(port.en & ~busy), buf.wr.addr.eq(port.addr),
                         buf.wr.data.eq(port.data)]
        m.d.comb += self.c_rd.data.eq(buf_c.rd.data)
        ctrl_c_raddr = Signal.like(buf_c.rd.addr)
        m.d.comb += buf_c.rd.addr.eq(Mux(busy, ctrl_c_raddr, self.c_rd.addr))

        dims = Signal(command_layout())
        m.d.sync += [self.done.eq(0)]
        if cfg.dataflow == "os":
            self._controller_os(m, dims, busy, buf_a, buf_b, buf_c, arr)
        else:
            self._controller_ws(m, dims, busy, buf_a, buf_b, buf_c, arr, ctrl_c_raddr)
        return m

    def _accept(self, m: Module, dims, busy, on_start, first_state: str):
        """IDLE-state body: accept a command, reject zero dimensions, else go to ``first_state``."""
        m.d.comb += self.cmd.ready.eq(1)
        with m.If(self.cmd.valid):
            p = self.cmd.payload
            m.d.sync += dims.eq(p)
            with m.If((p.m == 0) | (p.n == 0) | (p.k == 0)):
                m.d.sync += [self.done.eq(1), self.error.eq(1)]
            with m.Else():
                m.d.sync += [busy.eq(1), self.error.eq(0)]
                on_start()
                m.next = first_state

    def _finish(self, m: Module, busy):
        m.d.sync += [busy.eq(0), self.done.eq(1)]
        m.next = "IDLE"

    def _controller_os(self, m, dims, busy, buf_a, buf_b, buf_c, arr):
        cfg = self.cfg
        R, C = cfg.rows, cfg.cols
        wide = DIM_BITS + 2
        m0, n0, k = Signal(wide), Signal(wide), Signal(wide)
        cnt = Signal(range(R + C + 1))
        a_base = Signal.like(buf_a.rd.addr)
        b_base = Signal.like(buf_b.rd.addr)
        c_addr = Signal.like(buf_c.wr.addr)
        issue, issue_first = Signal(), Signal()
        # Reads return one cycle later: delay the flags to line up with the data.
        m.d.sync += [arr.valid.eq(issue), arr.first.eq(issue_first)]
        m.d.comb += [arr.a_vec.eq(buf_a.rd.data), arr.b_vec.eq(buf_b.rd.data),
                     buf_a.rd.addr.eq(a_base + k), buf_b.rd.addr.eq(b_base + k)]

        def start():
            m.d.sync += [m0.eq(0), n0.eq(0), k.eq(0), a_base.eq(0), b_base.eq(0), c_addr.eq(0)]

        with m.FSM(name="os_ctrl"):
            with m.State("IDLE"):
                self._accept(m, dims, busy, start, "FEED")
            with m.State("FEED"):
                # One reduction step per cycle: A column k of the row tile, B row k of the column tile.
                m.d.comb += [issue.eq(1), issue_first.eq(k == 0)]
                m.d.sync += k.eq(k + 1)
                with m.If(k == dims.k - 1):
                    m.d.sync += cnt.eq(0)
                    m.next = "FLUSH"
            with m.State("FLUSH"):
                # The last operands reach PE (R-1, C-1) R + C - 2 cycles after they leave the buffers.
                m.d.sync += cnt.eq(cnt + 1)
                with m.If(cnt == R + C - 2):
                    m.d.sync += cnt.eq(0)
                    m.next = "DRAIN"
            with m.State("DRAIN"):
                m.d.comb += [arr.drain_row.eq(cnt), buf_c.wr.en.eq(1),
                             buf_c.wr.addr.eq(c_addr + cnt), buf_c.wr.data.eq(arr.drain_data)]
                m.d.sync += cnt.eq(cnt + 1)
                with m.If(cnt == R - 1):
                    m.d.sync += [c_addr.eq(c_addr + R), k.eq(0)]
                    m.next = "NEXT"
            with m.State("NEXT"):
                with m.If(n0 + C < dims.n):
                    m.d.sync += [n0.eq(n0 + C), b_base.eq(b_base + dims.k)]
                    m.next = "FEED"
                with m.Elif(m0 + R < dims.m):
                    m.d.sync += [m0.eq(m0 + R), n0.eq(0), b_base.eq(0), a_base.eq(a_base + dims.k)]
                    m.next = "FEED"
                with m.Else():
                    self._finish(m, busy)

    def _controller_ws(self, m, dims, busy, buf_a, buf_b, buf_c, arr, ctrl_c_raddr):
        cfg = self.cfg
        R, C = cfg.rows, cfg.cols
        wide = DIM_BITS + 2
        n0, k0, cnt = Signal(wide), Signal(wide), Signal(wide)
        a_base = Signal.like(buf_a.rd.addr)
        b_base = Signal.like(buf_b.rd.addr)
        c_base = Signal.like(buf_c.wr.addr)
        first_kt = Signal()
        m.d.comb += first_kt.eq(k0 == 0)

        # Weight load pipeline: B row (k0 + cnt) -> PE row cnt, zero beyond K.
        load_issue, load_mask = Signal(), Signal()
        load_row = Signal(range(R))
        load_mask_d = Signal()
        m.d.sync += [arr.w_load.eq(load_issue), arr.w_row.eq(load_row), load_mask_d.eq(load_mask)]
        m.d.comb += arr.w_vec.eq(load_mask_d.replicate(cfg.b_word_bits) & buf_b.rd.data)
        # A stream pipeline.
        a_issue, a_addr = Signal(), Signal.like(buf_a.rd.addr)
        b_addr = Signal.like(buf_b.rd.addr)
        m.d.sync += arr.valid.eq(a_issue)
        m.d.comb += [arr.a_vec.eq(buf_a.rd.data), buf_a.rd.addr.eq(a_addr), buf_b.rd.addr.eq(b_addr)]

        # Output pipeline: stage 1 reads the old partial sum, stage 2 adds and writes back.
        out_m = Signal(wide)
        written = Signal(wide)
        s1_valid = Signal()
        s1_vec = Signal.like(arr.out_vec)
        s1_addr = Signal.like(buf_c.wr.addr)
        m.d.comb += ctrl_c_raddr.eq(c_base + out_m)
        with m.If(arr.out_valid):
            m.d.sync += [out_m.eq(out_m + 1), s1_addr.eq(c_base + out_m)]
        m.d.sync += [s1_valid.eq(arr.out_valid), s1_vec.eq(arr.out_vec)]
        old = data.View(data.ArrayLayout(arr.out_vec.shape().elem_shape, C), buf_c.rd.data)
        summed = [Signal.like(s1_vec[j], name=f"sum{j}") for j in range(C)]
        for j in range(C):
            m.d.comb += summed[j].eq(s1_vec[j] + Mux(first_kt, 0, old[j]))
        m.d.comb += [buf_c.wr.en.eq(s1_valid), buf_c.wr.addr.eq(s1_addr),
                     buf_c.wr.data.eq(Cat(*summed))]
        with m.If(s1_valid):
            m.d.sync += written.eq(written + 1)

        def start():
            m.d.sync += [n0.eq(0), k0.eq(0), cnt.eq(0), a_base.eq(0), b_base.eq(0), c_base.eq(0)]

        with m.FSM(name="ws_ctrl"):
            with m.State("IDLE"):
                self._accept(m, dims, busy, start, "LOAD")
            with m.State("LOAD"):
                # Stationary weights: B rows k0..k0+R-1 of the column tile, one PE row per cycle.
                m.d.comb += [load_issue.eq(1), load_row.eq(cnt), load_mask.eq(k0 + cnt < dims.k),
                             b_addr.eq(b_base + k0 + cnt)]
                m.d.sync += cnt.eq(cnt + 1)
                with m.If(cnt == R - 1):
                    m.d.sync += [cnt.eq(0), out_m.eq(0), written.eq(0)]
                    m.next = "STREAM"
            with m.State("STREAM"):
                m.d.comb += [a_issue.eq(1), a_addr.eq(a_base + cnt)]
                m.d.sync += cnt.eq(cnt + 1)
                with m.If(cnt == dims.m - 1):
                    m.d.sync += cnt.eq(0)
                    m.next = "DRAIN"
            with m.State("DRAIN"):
                # Wait until every output row of this reduction tile is accumulated into C.
                with m.If(written == dims.m):
                    m.next = "NEXT"
            with m.State("NEXT"):
                with m.If(k0 + R < dims.k):
                    m.d.sync += [k0.eq(k0 + R), a_base.eq(a_base + dims.m)]
                    m.next = "LOAD"
                with m.Elif(n0 + C < dims.n):
                    m.d.sync += [n0.eq(n0 + C), k0.eq(0), a_base.eq(0),
                                 b_base.eq(b_base + dims.k), c_base.eq(c_base + dims.m)]
                    m.next = "LOAD"
                with m.Else():
                    self._finish(m, busy)

