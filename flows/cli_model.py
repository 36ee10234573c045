"""``carbonflow accuracy``: scores of a (pruned) CLIP, synthetic proxy or a local checkpoint."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from carbonflow.flows.cli import _emit_json, command, register_args
from carbonflow.flows.tables import format_table


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="tiny-clip", metavar="JSON|NAME",
                   help="ClipConfig JSON, a JSON of pruning knobs (fractions 0.5..1 such as "
                        "{\"vision_layers\": 0.5}), or a base model name (default tiny-clip)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], metavar="S",
                   help="seeds of the synthetic proxy (mean reported; default 0)")
    p.add_argument("--finetune-steps", type=int, default=None, metavar="N",
                   help="fine-tuning steps after pruning (default 100; 0 = none)")
    p.add_argument("--base-steps", type=int, default=None, metavar="N",
                   help="training steps of the base tiny CLIP (default 1500)")
    p.add_argument("--checkpoint", metavar="PATH",
                   help="a local open_clip checkpoint instead of the synthetic proxy")
    p.add_argument("--model-name", default="ViT-B-16", metavar="ARCH",
                   help="open_clip architecture of --checkpoint (default ViT-B-16)")
    p.add_argument("--eval-dir", metavar="DIR", help="class-per-folder images (zero-shot)")
    p.add_argument("--eval-csv", metavar="CSV", help="image,caption pairs (recall@1)")
    p.add_argument("--out", metavar="JSON")


def load_config_arg(spec: str, base_name: str = "tiny-clip"):
    """A ClipConfig from a name, a ClipConfig JSON, or a knobs JSON applied to ``base_name``."""
    from carbonflow.flows.errors import ConfigError
    from carbonflow.model.config import BASE_MODELS, load_model_config
    from carbonflow.model.space import ModelKnobs, decode

    if spec in BASE_MODELS or not Path(spec).is_file():
        return load_model_config(spec)
    d = json.loads(Path(spec).read_text())
    if isinstance(d, dict) and set(d) and set(d) <= set(ModelKnobs.__slots__):
        return decode(BASE_MODELS[base_name], ModelKnobs(**d))
    if isinstance(d, dict) and "vision" in d:
        return load_model_config(spec)
    raise ConfigError(f"config {spec!r} is neither a ClipConfig nor pruning knobs "
                      f"({', '.join(ModelKnobs.__slots__)})")


@command("accuracy", "zero-shot accuracy of a (pruned) CLIP: synthetic proxy or local checkpoint")
def _run(args) -> int:
    if args.checkpoint:
        from carbonflow.model.accuracy import checkpoint_accuracy

        prune_to = None if args.config == "tiny-clip" else load_config_arg(args.config,
                                                                            args.model_name)
        res = checkpoint_accuracy(args.model_name, args.checkpoint, eval_dir=args.eval_dir,
                                  eval_csv=args.eval_csv, prune_to=prune_to)
        print(format_table(["metric", "value"], [[k, f"{v:.4g}" if isinstance(v, float) else v]
                                                 for k, v in res.items()]))
    else:
        from tqdm import tqdm

        from carbonflow.model.accuracy import proxy_accuracy

        cfg = load_config_arg(args.config)
        bar = None

        def progress(step, total, loss):
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, desc="training base tiny CLIP", unit="step")
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}")

        recipe = {"steps": args.base_steps} if args.base_steps else None
        res = proxy_accuracy(cfg, seeds=tuple(args.seeds), finetune_steps=args.finetune_steps,
                             base_recipe=recipe, progress=progress)
        if bar is not None:
            bar.close()
        print(f"{cfg.name}: {res['label']}")
        print(format_table(["metric", "mean over seeds", "chance"], [
            ["zero-shot accuracy (held-out classes)", f"{res['zeroshot_acc']:.3f}",
             f"{res['chance_acc']:.3f}"],
            ["generalised zero-shot accuracy (all classes)", f"{res['gzsl_acc']:.3f}", "0.042"],
            ["image->text recall@1", f"{res['recall_at_1']:.3f}", f"{res['chance_recall']:.4f}"]]))
        print(f"seeds {res['seeds']}, fine-tuning {res['finetune_steps']} steps"
              + (" (cached)" if res.get("cached") else f", {res['eval_s']:.1f} s"))
    if args.out:
        _emit_json(res, args.out)
    return 0


register_args("accuracy", _args)
