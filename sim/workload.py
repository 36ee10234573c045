"""CLIP inference as a list of GEMMs (batch 1: one image and one caption).

Every matrix product of the forward pass, as ``C[M, N] = A[M, K] @ B[K, N]`` with a repeat count:

* vision: patch embedding (a stride-``p`` convolution = GEMM with K = 3 p^2), per layer the fused
  QKV projection, per head the attention scores (Q K^T) and context (P V), the output projection,
  both FFN layers, and the final projection of the class token to ``embed_dim``;
* text: per layer the same attention and FFN GEMMs over ``context_length`` tokens (the token
  embedding is a table lookup, not a GEMM) and the final projection of the end-of-text token.

Softmax, LayerNorm, GELU and residual adds are element-wise and not counted as MACs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carbonflow.model.config import ClipConfig, TowerConfig

__all__ = ["Gemm", "extract_gemms", "total_macs", "gemm_arrays"]


@dataclass(frozen=True, slots=True)
class Gemm:
    """``repeat`` independent GEMMs of shape M x K @ K x N."""

    name: str
    m: int
    n: int
    k: int
    repeat: int = 1

    @property
    def macs(self) -> int:
        return self.m * self.n * self.k * self.repeat


def _tower_gemms(prefix: str, t: TowerConfig) -> list[Gemm]:
    s, L = t.seq_len, t.layers
    return [
        Gemm(f"{prefix}.qkv", s, 3 * t.attn_width, t.width, L),
        Gemm(f"{prefix}.attn_scores", s, s, t.head_dim, L * t.heads),
        Gemm(f"{prefix}.attn_context", s, t.head_dim, s, L * t.heads),
        Gemm(f"{prefix}.attn_out", s, t.width, t.attn_width, L),
        Gemm(f"{prefix}.ffn1", s, t.mlp_width, t.width, L),
        Gemm(f"{prefix}.ffn2", s, t.width, t.mlp_width, L),
    ]


def extract_gemms(cfg: ClipConfig) -> list[Gemm]:
    """All GEMMs of one image + one text inference of ``cfg``."""
    v, t = cfg.vision, cfg.text
    patches = (v.image_size // v.patch_size) ** 2
    return [
        Gemm("vision.patch_embed", patches, v.width, 3 * v.patch_size ** 2, 1),
        *_tower_gemms("vision", v),
        Gemm("vision.proj", 1, cfg.embed_dim, v.width, 1),
        *_tower_gemms("text", t),
        Gemm("text.proj", 1, cfg.embed_dim, t.width, 1),
    ]


def total_macs(gemms: list[Gemm]) -> int:
    return sum(g.macs for g in gemms)


def gemm_arrays(gemms: list[Gemm]) -> dict[str, np.ndarray]:
    """Column arrays ``m, n, k, repeat`` (int64) for the vectorised models."""
    return {f: np.array([getattr(g, f) for g in gemms], dtype=np.int64)
            for f in ("m", "n", "k", "repeat")}
