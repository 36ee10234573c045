import numpy as np
import pytest

from carbonflow.flows.errors import ConfigError
from carbonflow.hw.config import AcceleratorConfig
from carbonflow.hw.layout import (buffer_words, check_fits, gemm_reference, pack_a, pack_b,
                                  unpack_c)


def test_reference_wraps_like_a_16_bit_accumulator():
    a = np.full((1, 4), -128)
    b = np.full((4, 1), -128)
    # 4 * 16384 = 65536 = 2**16 wraps to 0; 3 * 16384 = 49152 wraps to 49152 - 65536
    assert gemm_reference(a, b, 16)[0, 0] == 0
    assert gemm_reference(a[:, :3], b[:3], 16)[0, 0] == 49152 - 65536
    assert gemm_reference(a, b, 32)[0, 0] == 65536


@pytest.mark.parametrize("dataflow", ["os", "ws"])
def test_pack_layout_matches_documented_addresses(dataflow):
    cfg = AcceleratorConfig(rows=2, cols=3, dataflow=dataflow)
    a = np.arange(5 * 4).reshape(5, 4) - 10
    words = pack_a(a, cfg)
    if dataflow == "os":  # word mt*K + k holds A[mt*R + i, k]
        assert len(words) == 3 * 4
        w = words[1 * 4 + 2]
        assert [(w >> 0) & 0xFF, (w >> 8) & 0xFF] == [a[2, 2] & 0xFF, a[3, 2] & 0xFF]
    else:  # word kt*M + m holds A[m, kt*R + i]
        assert len(words) == 2 * 5
        w = words[1 * 5 + 3]
        assert [(w >> 0) & 0xFF, (w >> 8) & 0xFF] == [a[3, 2] & 0xFF, a[3, 3] & 0xFF]
    b = np.arange(4 * 4).reshape(4, 4) - 8
    bw = pack_b(b, cfg)
    assert len(bw) == 2 * 4  # word nt*K + k holds B[k, nt*C + j], zero-padded
    assert bw[1 * 4 + 1] == (b[1, 3] & 0xFF)


@pytest.mark.parametrize("dataflow", ["os", "ws"])
def test_unpack_inverts_the_c_layout(dataflow):
    cfg = AcceleratorConfig(rows=2, cols=2, dataflow=dataflow, acc_width=16)
    m, n = 3, 3
    c = np.arange(m * n).reshape(m, n) - 4
    pad = np.zeros((4, 4), dtype=np.int64)
    pad[:m, :n] = c
    words = []
    if dataflow == "os":
        for mt in range(2):
            for nt in range(2):
                for i in range(2):
                    row = pad[mt * 2 + i, nt * 2:nt * 2 + 2]
                    words.append(int(row[0]) & 0xFFFF | (int(row[1]) & 0xFFFF) << 16)
    else:
        for nt in range(2):
            for mm in range(m):
                row = pad[mm, nt * 2:nt * 2 + 2]
                words.append(int(row[0]) & 0xFFFF | (int(row[1]) & 0xFFFF) << 16)
    assert np.array_equal(unpack_c(words, m, n, cfg), c)


def test_capacity_errors_name_the_buffer():
    cfg = AcceleratorConfig(rows=4, cols=4, ifmap_kb=1, filter_kb=1, ofmap_kb=1)
    assert buffer_words(cfg, 4, 4, 4) == (4, 4, 4)
    check_fits(cfg, 4, 4, 4)
    with pytest.raises(ConfigError,
                       match=r"needs 2560 words of the ifmap_kb buffer but ifmap_kb=1 holds 256"):
        check_fits(cfg, 8, 4, 1280)
    with pytest.raises(ConfigError, match=r"^M must be in \[1, 65535\], got 0$"):
        buffer_words(cfg, 0, 1, 1)


def test_operand_range_is_checked():
    cfg = AcceleratorConfig(rows=2, cols=2)
    with pytest.raises(ConfigError, match=r"A elements must be in \[-128, 127\]"):
        pack_a(np.array([[200]]), cfg)
