"""CLIP architecture configs (no torch needed): the search space's model half.

A :class:`ClipConfig` describes an open_clip-style CLIP (a ViT image tower and a text transformer)
possibly pruned: fewer layers, fewer attention heads, narrower FFN, narrower embedding (residual)
width. It feeds both the pruning code (:mod:`carbonflow.model.prune`) and the workload
extraction of :mod:`carbonflow.sim.workload`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from carbonflow.flows.errors import ConfigError, check_int, check_known_keys, read_json_file

__all__ = ["TowerConfig", "ClipConfig", "VIT_B_16", "TINY_CLIP", "BASE_MODELS", "load_model_config"]


@dataclass(frozen=True, slots=True)
class TowerConfig:
    """One transformer tower.

    Attributes:
        layers: transformer blocks.
        width: residual (embedding) width.
        heads: attention heads.
        head_dim: width of one head (kept when heads are pruned, as in CATransformers).
        mlp_width: hidden width of the FFN.
        seq_len: tokens per inference (vision: patches + class token; text: context length).
        patch_size: vision only (0 for text): pixels per patch side.
        image_size: vision only (0 for text).
        vocab_size: text only (0 for vision).
    """

    layers: int
    width: int
    heads: int
    head_dim: int
    mlp_width: int
    seq_len: int
    patch_size: int = 0
    image_size: int = 0
    vocab_size: int = 0

    def __post_init__(self) -> None:
        check_int("layers", self.layers, 1, 256)
        check_int("width", self.width, 1, 65536)
        check_int("heads", self.heads, 1, 1024)
        check_int("head_dim", self.head_dim, 1, 4096)
        check_int("mlp_width", self.mlp_width, 1, 1 << 20)
        check_int("seq_len", self.seq_len, 1, 1 << 20)
        check_int("patch_size", self.patch_size, 0, 4096)
        check_int("image_size", self.image_size, 0, 1 << 16)
        check_int("vocab_size", self.vocab_size, 0, 1 << 24)
        if self.patch_size and self.image_size % self.patch_size:
            raise ConfigError(f"image_size ({self.image_size}) must be a multiple of patch_size "
                              f"({self.patch_size})")

    @property
    def attn_width(self) -> int:
        """Width of Q, K and V: ``heads * head_dim``."""
        return self.heads * self.head_dim


@dataclass(frozen=True, slots=True)
class ClipConfig:
    """A (pruned) CLIP: vision tower, text tower and the joint embedding width."""

    name: str
    vision: TowerConfig
    text: TowerConfig
    embed_dim: int

    def __post_init__(self) -> None:
        check_int("embed_dim", self.embed_dim, 1, 65536)
        if not self.vision.patch_size:
            raise ConfigError("vision.patch_size must be > 0 for the image tower, got 0")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClipConfig:
        check_known_keys("model parameter(s)", d, (f.name for f in fields(cls)))
        try:
            return cls(name=str(d.get("name", "custom")), vision=_tower(d["vision"], "vision"),
                       text=_tower(d["text"], "text"), embed_dim=d["embed_dim"])
        except KeyError as e:
            raise ConfigError(f"model config is missing {e.args[0]!r}") from None

    def pruned(self, **changes: dict[str, int]) -> ClipConfig:
        """A copy with tower fields replaced, e.g. ``pruned(vision={"layers": 6})``."""
        new = {k: replace(getattr(self, k), **v) for k, v in changes.items()
               if k in ("vision", "text")}
        return replace(self, **new)


def _tower(d: dict[str, Any], which: str) -> TowerConfig:
    check_known_keys(f"{which} parameter(s)", d, (f.name for f in fields(TowerConfig)))
    try:
        return TowerConfig(**d)
    except ConfigError as e:
        raise ConfigError(f"{which}.{e}") from None
    except TypeError as e:
        raise ConfigError(f"{which} tower: {e}") from None


#: open_clip ``ViT-B-16`` (open_clip/model_configs/ViT-B-16.json: embed_dim 512; vision
#: image_size 224, layers 12, width 768, patch_size 16; text context_length 77, vocab_size 49408,
#: width 512, heads 8, layers 12). Heads of the vision tower: width / 64 = 12 (open_clip default
#: head_width 64); mlp_ratio 4.
VIT_B_16 = ClipConfig(
    name="ViT-B-16",
    vision=TowerConfig(layers=12, width=768, heads=12, head_dim=64, mlp_width=3072,
                       seq_len=(224 // 16) ** 2 + 1, patch_size=16, image_size=224),
    text=TowerConfig(layers=12, width=512, heads=8, head_dim=64, mlp_width=2048, seq_len=77,
                     vocab_size=49408),
    embed_dim=512,
)

#: The tiny CLIP that carbonflow trains itself on synthetic image-caption data (model/tinyclip.py).
TINY_CLIP = ClipConfig(
    name="tiny-clip",
    vision=TowerConfig(layers=4, width=64, heads=4, head_dim=16, mlp_width=256,
                       seq_len=(32 // 8) ** 2 + 1, patch_size=8, image_size=32),
    text=TowerConfig(layers=4, width=64, heads=4, head_dim=16, mlp_width=256, seq_len=8,
                     vocab_size=64),
    embed_dim=64,
)

BASE_MODELS = {c.name: c for c in (VIT_B_16, TINY_CLIP)}


def load_model_config(spec: str | Path) -> ClipConfig:
    """A base model name (``ViT-B-16``, ``tiny-clip``) or a JSON file of :class:`ClipConfig`."""
    s = str(spec)
    if s in BASE_MODELS:
        return BASE_MODELS[s]
    p = Path(s)
    if not p.exists():
        raise ConfigError(f"model {s!r} is neither a known base model "
                          f"({', '.join(BASE_MODELS)}) nor an existing JSON file")
    d = read_json_file(p, "model file")
    if isinstance(d, dict) and "model" in d and isinstance(d["model"], dict):
        d = d["model"]
    return ClipConfig.from_dict(d)
