"""The embedded-default accuracy signal: a tiny CLIP trained on procedurally generated images.

SYNTHETIC PROXY. No CLIP weights or datasets can be downloaded on the machines carbonflow
targets, so by default it trains a tiny open_clip CLIP itself on generated image-caption pairs:
coloured shapes (6 colours x 4 shapes x 2 sizes x 5 positions) on noisy backgrounds, captioned
``"a {size} {colour} {shape} at {position}"``. Six colour-shape combinations never appear in
training; zero-shot scores are measured on them only, so a model has to compose colour and
shape it has seen separately. Its accuracies rank pruned variants against each other; they are
not ImageNet or MS-COCO numbers and are labelled "synthetic proxy" wherever they are printed.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass


import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812

from carbonflow.flows.cache import atomic_write_text, cache_key, cache_root
from carbonflow.model.config import TINY_CLIP, ClipConfig

__all__ = ["COLORS", "SHAPES", "SIZES", "POSITIONS", "HELD_OUT", "Vocab", "SyntheticData",
           "make_data", "build_tiny_clip", "train", "evaluate", "base_model", "PROXY_LABEL"]

PROXY_LABEL = "synthetic proxy (tiny CLIP on generated shapes; not a real-dataset accuracy)"

COLORS = {"red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 80, 230),
          "yellow": (230, 210, 40), "magenta": (200, 50, 200), "cyan": (40, 200, 210)}
SHAPES = ("circle", "square", "triangle", "cross")
SIZES = {"small": 5.0, "large": 10.0}
POSITIONS = {"left": (16, 9), "right": (16, 23), "top": (9, 16), "bottom": (23, 16),
             "center": (16, 16)}
#: Colour-shape pairs never shown in training (each colour once, each shape at least once).
HELD_OUT = (("red", "triangle"), ("green", "cross"), ("blue", "circle"), ("yellow", "square"),
            ("magenta", "cross"), ("cyan", "triangle"))
IMAGE = 32
STAGE_VERSION = 1


class Vocab:
    """Word-level tokenizer: pad 0, start 1, words, end-of-text = the largest id (argmax pooling)."""

    def __init__(self, vocab_size: int, context_length: int):
        words = ["a", "at", *SIZES, *COLORS, *SHAPES, *POSITIONS]
        self.ids = {w: i + 2 for i, w in enumerate(words)}
        self.eot = vocab_size - 1
        self.context_length = context_length
        if len(words) + 2 >= vocab_size:
            raise ValueError(f"vocab_size {vocab_size} too small for {len(words)} words")

    def encode(self, captions: list[str]) -> torch.Tensor:
        out = torch.zeros(len(captions), self.context_length, dtype=torch.long)
        for i, c in enumerate(captions):
            toks = [1] + [self.ids[w] for w in c.split()] + [self.eot]
            out[i, :len(toks)] = torch.tensor(toks[:self.context_length])
        return out


def caption(size: str, color: str, shape: str, position: str) -> str:
    return f"a {size} {color} {shape} at {position}"


def _render(rng: np.random.Generator, size: str, color: str, shape: str, position: str):
    yy, xx = np.mgrid[0:IMAGE, 0:IMAGE].astype(np.float32)
    cy, cx = POSITIONS[position]
    cy, cx = cy + rng.uniform(-1.5, 1.5), cx + rng.uniform(-1.5, 1.5)
    r = SIZES[size] * rng.uniform(0.85, 1.15)
    dy, dx = yy - cy, xx - cx
    if shape == "circle":
        mask = dy ** 2 + dx ** 2 <= r ** 2
    elif shape == "square":
        mask = (np.abs(dy) <= r * 0.85) & (np.abs(dx) <= r * 0.85)
    elif shape == "triangle":
        mask = (dy <= r * 0.8) & (dy >= -r) & (np.abs(dx) <= (dy + r) * 0.6)
    else:  # cross
        t = max(1.2, r * 0.3)
        mask = ((np.abs(dy) <= t) & (np.abs(dx) <= r)) | ((np.abs(dx) <= t) & (np.abs(dy) <= r))
    bg = rng.uniform(0.2, 0.6)
    img = np.full((3, IMAGE, IMAGE), bg, dtype=np.float32)
    rgb = np.clip(np.array(COLORS[color], dtype=np.float32) / 255 + rng.normal(0, 0.05, 3), 0, 1)
    img[:, mask] = rgb[:, None]
    img += rng.normal(0, 0.04, img.shape).astype(np.float32)
    return np.clip(img, 0, 1)


@dataclass
class SyntheticData:
    images: torch.Tensor  # N x 3 x 32 x 32, normalised
    captions: list[str]
    labels: torch.Tensor  # colour-shape class index (classes: itertools.product(COLORS, SHAPES))


def classes() -> list[tuple[str, str]]:
    return list(itertools.product(COLORS, SHAPES))


def make_data(n: int, seed: int, *, held_out: bool) -> SyntheticData:
    """``n`` images of the held-out combinations (``held_out=True``) or of the others."""
    rng = np.random.default_rng(seed)
    pool = [c for c in classes() if (c in HELD_OUT) == held_out]
    imgs, caps, labels = [], [], []
    cls_index = {c: i for i, c in enumerate(classes())}
    for _ in range(n):
        color, shape = pool[rng.integers(len(pool))]
        size = list(SIZES)[rng.integers(len(SIZES))]
        pos = list(POSITIONS)[rng.integers(len(POSITIONS))]
        imgs.append(_render(rng, size, color, shape, pos))
        caps.append(caption(size, color, shape, pos))
        labels.append(cls_index[(color, shape)])
    x = torch.from_numpy(np.stack(imgs))
    return SyntheticData(images=(x - 0.5) / 0.25, captions=caps, labels=torch.tensor(labels))


def build_tiny_clip(cfg: ClipConfig = TINY_CLIP):
    """An untrained open_clip CLIP with the dimensions of ``cfg`` (unpruned shape)."""
    import open_clip
    from open_clip.model import CLIPTextCfg, CLIPVisionCfg

    v, t = cfg.vision, cfg.text
    vision = CLIPVisionCfg(layers=v.layers, width=v.width, head_width=v.head_dim,
                           mlp_ratio=v.mlp_width / v.width, patch_size=v.patch_size,
                           image_size=v.image_size)
    text = CLIPTextCfg(context_length=t.seq_len, vocab_size=t.vocab_size, width=t.width,
                       heads=t.heads, layers=t.layers, mlp_ratio=t.mlp_width / t.width)
    return open_clip.CLIP(embed_dim=cfg.embed_dim, vision_cfg=vision, text_cfg=text)


def _loss(model, images, tokens, captions):
    img = model.encode_image(images, normalize=True)
    txt = model.encode_text(tokens, normalize=True)
    logits = model.logit_scale.exp() * img @ txt.T
    # identical captions in a batch are all positives (multi-positive contrastive targets)
    ids = {c: i for i, c in enumerate(dict.fromkeys(captions))}
    key = torch.tensor([ids[c] for c in captions])
    target = (key[:, None] == key[None, :]).float()
    target = target / target.sum(1, keepdim=True)
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def train(model, data: SyntheticData, vocab: Vocab, *, steps: int, seed: int, lr: float = 2e-3,
          batch: int = 128, progress=None) -> list[float]:
    """AdamW with cosine decay; returns the loss every step."""
    g = torch.Generator().manual_seed(seed)
    tokens = vocab.encode(data.captions)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    model.train()
    losses = []
    for step in range(steps):
        idx = torch.randint(len(data.captions), (batch,), generator=g)
        loss = _loss(model, data.images[idx], tokens[idx], [data.captions[i] for i in idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        if progress is not None:
            progress(step + 1, steps, loss.item())
    model.eval()
    return losses


@torch.no_grad()
def evaluate(model, data: SyntheticData, vocab: Vocab) -> dict[str, float]:
    """Zero-shot scores on ``data`` (normally the held-out combinations).

    ``zeroshot_acc``: classification among the held-out colour-shape classes (prompt ensemble over
    sizes and positions); ``gzsl_acc``: among all 24 classes (generalised zero-shot, harder);
    ``recall_at_1``: image->text over all 240 possible captions.
    """
    model.eval()
    img = model.encode_image(data.images, normalize=True)
    class_emb = []
    for color, shape in classes():
        caps = [caption(s, color, shape, p) for s in SIZES for p in POSITIONS]
        e = model.encode_text(vocab.encode(caps), normalize=True).mean(0)
        class_emb.append(F.normalize(e, dim=0))
    sims = img @ torch.stack(class_emb).T
    acc = (sims.argmax(1) == data.labels).float().mean().item()
    # among the held-out (unseen) classes only: the classic zero-shot setting
    unseen = torch.tensor([i for i, c in enumerate(classes()) if c in HELD_OUT])
    pred_u = unseen[sims[:, unseen].argmax(1)]
    acc_u = (pred_u == data.labels).float().mean().item()
    all_caps = [caption(s, c, sh, p) for s in SIZES for c in COLORS for sh in SHAPES
                for p in POSITIONS]
    txt = model.encode_text(vocab.encode(all_caps), normalize=True)
    best = (img @ txt.T).argmax(1).tolist()
    r1 = float(np.mean([all_caps[b] == c for b, c in zip(best, data.captions)]))
    return {"zeroshot_acc": acc_u, "gzsl_acc": acc, "recall_at_1": r1,
            "chance_acc": 1 / len(unseen), "chance_gzsl": 1 / len(classes()),
            "chance_recall": 1 / len(all_caps)}


#: Training recipe of the base tiny CLIP (part of its cache key).
BASE_RECIPE = {"train_images": 6000, "steps": 1500, "lr": 2e-3, "batch": 128}


def base_model(seed: int, *, recipe: dict | None = None, progress=None):
    """The trained base tiny CLIP for ``seed`` (trained once, then loaded from the cache).

    Returns ``(model, vocab, info)``; ``info`` has the training time and final loss.
    """
    recipe = dict(BASE_RECIPE, **(recipe or {}))
    import open_clip

    key = cache_key("tinyclip", STAGE_VERSION, open_clip.__version__, torch.__version__,
                    TINY_CLIP.to_dict(), recipe, seed)
    folder = cache_root() / "tinyclip"
    wpath, ipath = folder / f"{key}.pt", folder / f"{key}.json"
    vocab = Vocab(TINY_CLIP.text.vocab_size, TINY_CLIP.text.seq_len)
    torch.manual_seed(seed)
    model = build_tiny_clip(TINY_CLIP)
    if wpath.exists() and ipath.exists():
        model.load_state_dict(torch.load(wpath, weights_only=True))
        model.eval()
        return model, vocab, json.loads(ipath.read_text())
    data = make_data(recipe["train_images"], seed, held_out=False)
    t = time.time()
    losses = train(model, data, vocab, steps=recipe["steps"], seed=seed, lr=recipe["lr"],
                   batch=recipe["batch"], progress=progress)
    info = {"train_s": time.time() - t, "final_loss": float(np.mean(losses[-50:])),
            "recipe": recipe, "seed": seed}
    folder.mkdir(parents=True, exist_ok=True)
    tmp = wpath.with_suffix(".tmp")
    torch.save(model.state_dict(), tmp)
    tmp.replace(wpath)
    atomic_write_text(ipath, json.dumps(info))
    return model, vocab, info


