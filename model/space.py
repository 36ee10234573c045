"""The model half of the search space: structured-pruning knobs around a base CLIP.

Like CATransformers (Wang et al. 2025, Sec. 4.1), each tower can lose layers, attention heads,
FFN width and embedding (residual) width, never below half of the base dimension. Knobs are
fractions in [0.5, 1]; :func:`decode` rounds them to whole units (heads; multiples of
``width_step`` channels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from carbonflow.flows.errors import check_real
from carbonflow.model.config import ClipConfig, TowerConfig

__all__ = ["KNOBS", "MIN_FRACTION", "ModelKnobs", "decode", "param_count"]

#: Knob names per tower.
KNOBS = ("layers", "heads", "mlp", "width")
#: No dimension goes below half of the base (CATransformers' pruning ranges).
MIN_FRACTION = 0.5


@dataclass(frozen=True, slots=True)
class ModelKnobs:
    """Kept fraction of each dimension, per tower (1.0 = unpruned)."""

    vision_layers: float = 1.0
    vision_heads: float = 1.0
    vision_mlp: float = 1.0
    vision_width: float = 1.0
    text_layers: float = 1.0
    text_heads: float = 1.0
    text_mlp: float = 1.0
    text_width: float = 1.0

    def __post_init__(self) -> None:
        for name in self.__slots__:
            check_real(name, getattr(self, name), MIN_FRACTION, 1.0)


def _keep(n: int, frac: float, step: int = 1) -> int:
    """Units kept of ``n`` at fraction ``frac``: rounded to ``step``, at least ceil(n/2)."""
    lo = math.ceil(n * MIN_FRACTION)
    k = int(round(n * frac / step)) * step
    return max(lo, min(n, k))


def _tower(t: TowerConfig, layers: float, heads: float, mlp: float, width: float,
           step: int) -> TowerConfig:
    from dataclasses import replace

    w_step = step if t.width % step == 0 and t.width >= 2 * step else 1
    return replace(t, layers=_keep(t.layers, layers), heads=_keep(t.heads, heads),
                   mlp_width=_keep(t.mlp_width, mlp, w_step), width=_keep(t.width, width, w_step))


def decode(base: ClipConfig, knobs: ModelKnobs, *, width_step: int = 8) -> ClipConfig:
    """The pruned config that ``knobs`` selects from ``base``."""
    from dataclasses import replace

    v = _tower(base.vision, knobs.vision_layers, knobs.vision_heads, knobs.vision_mlp,
               knobs.vision_width, width_step)
    t = _tower(base.text, knobs.text_layers, knobs.text_heads, knobs.text_mlp,
               knobs.text_width, width_step)
    return replace(base, name=f"{base.name}-pruned", vision=v, text=t)


def _blocks(t: TowerConfig) -> int:
    w, a, m = t.width, t.attn_width, t.mlp_width
    per = 2 * w + 3 * (w * a + a) + (a * w + w) + 2 * w + (w * m + m) + (m * w + w)
    return t.layers * per


def param_count(cfg: ClipConfig) -> int:
    """Parameters of the open_clip CLIP (ViT image tower, text transformer) that ``cfg`` describes.

    Vision: conv1 (3 p^2 W, no bias), class and positional embeddings, ln_pre, blocks, ln_post,
    projection (W x E). Text: token and positional embeddings, blocks, ln_final, projection.
    Plus the logit scale. Attention: separate Q, K, V of ``heads * head_dim`` with biases.
    """
    v, t, e = cfg.vision, cfg.text, cfg.embed_dim
    vision = 3 * v.patch_size ** 2 * v.width + v.width + v.seq_len * v.width + 2 * v.width \
        + _blocks(v) + 2 * v.width + v.width * e
    text = t.vocab_size * t.width + t.seq_len * t.width + _blocks(t) + 2 * t.width + t.width * e
    return vision + text + 1
