"""Host side of the accelerator: buffer layouts, capacity checks and the NumPy reference model.

These functions are the single definition of the buffer layouts documented in
:mod:`carbonflow.hw.accelerator`; the cocotb testbench and any real driver use them.
"""

from __future__ import annotations

import math

import numpy as np

from carbonflow.flows.errors import ConfigError, check_int
from carbonflow.hw.config import AcceleratorConfig

__all__ = [
    "buffer_words", "check_fits", "pack_a", "pack_b", "unpack_c", "gemm_reference", "c_words_used",
]


def gemm_reference(a: np.ndarray, b: np.ndarray, acc_width: int) -> np.ndarray:
    """Exact ``a @ b`` on Python integers, wrapped to ``acc_width`` bits like the RTL."""
    exact = np.asarray(a, dtype=object) @ np.asarray(b, dtype=object)
    mod, half = 1 << acc_width, 1 << (acc_width - 1)
    return np.vectorize(lambda v: ((int(v) + half) % mod) - half, otypes=[np.int64])(exact)


def buffer_words(cfg: AcceleratorConfig, m: int, n: int, k: int) -> tuple[int, int, int]:
    """Words of the A, B and C buffers that an ``M x K @ K x N`` GEMM occupies."""
    for name, v in (("M", m), ("N", n), ("K", k)):
        check_int(name, v, 1, (1 << 16) - 1)
    mt, nt, kt = math.ceil(m / cfg.rows), math.ceil(n / cfg.cols), math.ceil(k / cfg.rows)
    if cfg.dataflow == "os":
        return mt * k, nt * k, mt * nt * cfg.rows
    return kt * m, nt * k, nt * m


def check_fits(cfg: AcceleratorConfig, m: int, n: int, k: int) -> None:
    """Raise :class:`ConfigError` if the GEMM does not fit the buffers of ``cfg``."""
    need = buffer_words(cfg, m, n, k)
    have = (cfg.a_depth, cfg.b_depth, cfg.c_depth)
    for name, kb, w, h in zip(("ifmap_kb", "filter_kb", "ofmap_kb"),
                              (cfg.ifmap_kb, cfg.filter_kb, cfg.ofmap_kb), need, have):
        if w > h:
            raise ConfigError(f"GEMM M={m} N={n} K={k} needs {w} words of the {name} buffer but "
                              f"{name}={kb} holds {h}; raise {name} or split the GEMM")


def _pack_word(values, width: int) -> int:
    word = 0
    mask = (1 << width) - 1
    for e, v in enumerate(values):
        word |= (int(v) & mask) << (e * width)
    return word


def _unpack_word(word: int, count: int, width: int) -> list[int]:
    mask, half = (1 << width) - 1, 1 << (width - 1)
    out = []
    for e in range(count):
        v = (word >> (e * width)) & mask
        out.append(v - (1 << width) if v >= half else v)
    return out


def _check_operand(name: str, x: np.ndarray, width: int) -> np.ndarray:
    x = np.asarray(x)
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    if x.ndim != 2 or x.size == 0:
        raise ConfigError(f"{name} must be a non-empty 2-D matrix, got shape {x.shape}")
    if x.min() < lo or x.max() > hi:
        raise ConfigError(f"{name} elements must be in [{lo}, {hi}] (in_width={width}), "
                          f"got range [{x.min()}, {x.max()}]")
    return x


def pack_a(a: np.ndarray, cfg: AcceleratorConfig) -> list[int]:
    """A-buffer words for ``a`` (M x K), in address order."""
    a = _check_operand("A", a, cfg.in_width)
    m, k = a.shape
    r = cfg.rows
    if cfg.dataflow == "os":
        pad = np.zeros((math.ceil(m / r) * r, k), dtype=np.int64)
        pad[:m] = a
        return [_pack_word(pad[mt * r:(mt + 1) * r, kk], cfg.in_width)
                for mt in range(pad.shape[0] // r) for kk in range(k)]
    pad = np.zeros((m, math.ceil(k / r) * r), dtype=np.int64)
    pad[:, :k] = a
    return [_pack_word(pad[mm, kt * r:(kt + 1) * r], cfg.in_width)
            for kt in range(pad.shape[1] // r) for mm in range(m)]


def pack_b(b: np.ndarray, cfg: AcceleratorConfig) -> list[int]:
    """B-buffer words for ``b`` (K x N), in address order (same for both dataflows)."""
    b = _check_operand("B", b, cfg.in_width)
    k, n = b.shape
    c = cfg.cols
    pad = np.zeros((k, math.ceil(n / c) * c), dtype=np.int64)
    pad[:, :n] = b
    return [_pack_word(pad[kk, nt * c:(nt + 1) * c], cfg.in_width)
            for nt in range(pad.shape[1] // c) for kk in range(k)]


def unpack_c(words: list[int], m: int, n: int, cfg: AcceleratorConfig) -> np.ndarray:
    """The M x N result from C-buffer words (address order, starting at 0)."""
    r, c = cfg.rows, cfg.cols
    mt, nt = math.ceil(m / r), math.ceil(n / c)
    out = np.zeros((mt * r, nt * c), dtype=np.int64)
    if cfg.dataflow == "os":
        for t in range(mt):
            for u in range(nt):
                for i in range(r):
                    out[t * r + i, u * c:(u + 1) * c] = _unpack_word(
                        words[(t * nt + u) * r + i], c, cfg.acc_width)
    else:
        for u in range(nt):
            for mm in range(m):
                out[mm, u * c:(u + 1) * c] = _unpack_word(words[u * m + mm], c, cfg.acc_width)
    return out[:m, :n]


def c_words_used(cfg: AcceleratorConfig, m: int, n: int) -> int:
    """How many C-buffer words (from address 0) hold the result."""
    return buffer_words(cfg, m, n, 1)[2]
