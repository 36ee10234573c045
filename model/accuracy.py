"""Accuracy of a (pruned) CLIP: the embedded synthetic proxy, or a real checkpoint on local data.

Embedded default (:func:`proxy_accuracy`): prune the trained tiny CLIP of each seed
(:mod:`carbonflow.model.tinyclip`) to the config, fine-tune it briefly on the training
combinations, and score zero-shot on the held-out colour-shape combinations; the mean over seeds
is reported. Results are cached on disk by (config, seeds, recipe, versions).

Real path (:func:`checkpoint_accuracy`): an open_clip checkpoint from a local file, evaluated on a
class-per-folder image set (zero-shot classification) or a CSV of ``image,caption`` (image->text
recall@1). ``HF_HUB_OFFLINE=1`` is set so that nothing is fetched from a hub.
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

import numpy as np

from carbonflow.flows.cache import Cache, cache_key
from carbonflow.flows.errors import ConfigError, check_int
from carbonflow.model.config import TINY_CLIP, ClipConfig

__all__ = ["proxy_accuracy", "checkpoint_accuracy", "STAGE_VERSION", "EVAL_IMAGES"]

STAGE_VERSION = 1
EVAL_IMAGES = 600
FINETUNE = {"steps": 100, "lr": 5e-4, "batch": 128, "train_images": 2000}


def _torch_setup():
    """Import torch, one intra-op thread (see below)."""
    import torch

    # Tiny models: one thread per process is faster than two fighting over small kernels, and
    # parallel evaluation uses processes.
    torch.set_num_threads(1)
    return torch


def proxy_accuracy(cfg: ClipConfig, *, seeds: tuple[int, ...] = (0,), finetune_steps: int | None = None,
                   base_recipe: dict | None = None, cache: Cache | None = None,
                   progress=None) -> dict:
    """Synthetic-proxy zero-shot accuracy and recall@1 of ``cfg`` (a pruning of ``tiny-clip``).

    Args:
        cfg: the pruned config; every dimension must be <= ``tiny-clip``'s.
        seeds: one base model and fine-tuning run per seed; the mean is reported.
        finetune_steps: steps of fine-tuning after pruning (default 100; 0 = none).
        base_recipe: overrides of the base training recipe (tests use fewer steps).
    """
    torch = _torch_setup()
    import open_clip

    from carbonflow.model.prune import prune_clip
    from carbonflow.model.tinyclip import PROXY_LABEL, base_model, evaluate, make_data, train

    steps = FINETUNE["steps"] if finetune_steps is None else check_int("finetune_steps",
                                                                       finetune_steps, 0, 100000)
    if not seeds:
        raise ConfigError("seeds must name at least one seed")
    cache = cache if cache is not None else Cache("accuracy")
    key = cache_key("accuracy", STAGE_VERSION, open_clip.__version__, torch.__version__,
                    cfg.to_dict(), list(seeds), steps, base_recipe or {}, FINETUNE)
    hit = cache.get(key)
    if hit is not None:
        return dict(hit, cached=True)
    t0 = time.time()
    per_seed = []
    for seed in seeds:
        model, vocab, _info = base_model(seed, recipe=base_recipe, progress=progress)
        held = make_data(EVAL_IMAGES, 10_000 + seed, held_out=True)
        if cfg.vision == TINY_CLIP.vision and cfg.text == TINY_CLIP.text:
            pruned = model
        else:
            calib = make_data(64, 20_000 + seed, held_out=False)
            pruned = prune_clip(model, cfg, calib_images=calib.images,
                                calib_text=vocab.encode(calib.captions))
        if steps:
            data = make_data(FINETUNE["train_images"], 30_000 + seed, held_out=False)
            torch.manual_seed(seed)
            train(pruned, data, vocab, steps=steps, seed=seed, lr=FINETUNE["lr"],
                  batch=FINETUNE["batch"])
        per_seed.append(evaluate(pruned, held, vocab))
    res = {
        "zeroshot_acc": float(np.mean([r["zeroshot_acc"] for r in per_seed])),
        "gzsl_acc": float(np.mean([r["gzsl_acc"] for r in per_seed])),
        "recall_at_1": float(np.mean([r["recall_at_1"] for r in per_seed])),
        "zeroshot_acc_std": float(np.std([r["zeroshot_acc"] for r in per_seed])),
        "chance_acc": per_seed[0]["chance_acc"], "chance_recall": per_seed[0]["chance_recall"],
        "seeds": list(seeds), "per_seed": per_seed, "finetune_steps": steps,
        "label": PROXY_LABEL, "eval_s": time.time() - t0,
    }
    cache.put(key, res)
    return dict(res, cached=False)


def _load_checkpoint(model_name: str, checkpoint: str | Path):
    os.environ["HF_HUB_OFFLINE"] = "1"
    torch = _torch_setup()
    import open_clip

    p = Path(checkpoint)
    if not p.is_file():
        raise ConfigError(f"checkpoint {str(p)!r} does not exist (only local files are used)")
    if model_name not in open_clip.list_models():
        raise ConfigError(f"model_name {model_name!r} is not an open_clip architecture; known "
                          f"names include {', '.join(open_clip.list_models()[:8])}, ...")
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(model_name, pretrained=str(p))
    except Exception as e:  # noqa: BLE001 - torch/open_clip raise many kinds on a bad file
        raise ConfigError(f"cannot load checkpoint {str(p)!r} as {model_name}: {e}") from e
    model.eval()
    return torch, model, preprocess, open_clip.get_tokenizer(model_name)


def checkpoint_accuracy(model_name: str, checkpoint: str | Path, *, eval_dir: str | Path | None = None,
                        eval_csv: str | Path | None = None, prune_to: ClipConfig | None = None,
                        batch: int = 64) -> dict:
    """Zero-shot accuracy (``eval_dir``: one sub-folder per class) or image->text recall@1
    (``eval_csv``: columns ``image,caption``) of a local open_clip checkpoint, optionally pruned."""
    if (eval_dir is None) == (eval_csv is None):
        raise ConfigError("give exactly one of eval_dir (class-per-folder images) or eval_csv")
    from PIL import Image

    torch, model, preprocess, tokenizer = _load_checkpoint(model_name, checkpoint)
    if prune_to is not None:
        from carbonflow.model.prune import prune_clip

        model = prune_clip(model, prune_to)

    def embed_images(paths):
        feats = []
        for i in range(0, len(paths), batch):
            x = torch.stack([preprocess(Image.open(p).convert("RGB")) for p in paths[i:i + batch]])
            feats.append(model.encode_image(x, normalize=True))
        return torch.cat(feats)

    with torch.no_grad():
        if eval_dir is not None:
            root = Path(eval_dir)
            if not root.is_dir():
                raise ConfigError(f"eval_dir {str(root)!r} is not a folder")
            names = sorted(d.name for d in root.iterdir() if d.is_dir())
            items = [(p, i) for i, c in enumerate(names) for p in sorted((root / c).iterdir())
                     if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp")]
            if len(names) < 2 or not items:
                raise ConfigError(f"eval_dir {str(root)!r} needs >= 2 class folders with images")
            txt = model.encode_text(tokenizer([f"a photo of a {c.replace('_', ' ')}."
                                               for c in names]), normalize=True)
            img = embed_images([p for p, _ in items])
            pred = (img @ txt.T).argmax(1)
            labels = torch.tensor([i for _, i in items])
            return {"zeroshot_acc": (pred == labels).float().mean().item(), "classes": len(names),
                    "images": len(items), "chance_acc": 1 / len(names)}
        rows = list(csv.DictReader(open(eval_csv)))
        if not rows or not {"image", "caption"} <= set(rows[0]):
            raise ConfigError(f"eval_csv {str(eval_csv)!r} needs columns image,caption")
        base = Path(eval_csv).parent
        img = embed_images([base / r["image"] for r in rows])
        caps = [r["caption"] for r in rows]
        txt = model.encode_text(tokenizer(caps), normalize=True)
        best = (img @ txt.T).argmax(1).tolist()
        return {"recall_at_1": float(np.mean([caps[b] == c for b, c in zip(best, caps)])),
                "pairs": len(rows), "chance_recall": 1 / len(rows)}
