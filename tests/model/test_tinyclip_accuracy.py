"""The embedded synthetic-proxy accuracy: the tiny CLIP learns, pruning costs accuracy.

CI uses a short base-training recipe (300 steps, about 30 s on one core); the default recipe of
`make flow` is 1500 steps.
"""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("open_clip")

from carbonflow.flows.cache import Cache  # noqa: E402
from carbonflow.model.accuracy import proxy_accuracy  # noqa: E402
from carbonflow.model.config import TINY_CLIP  # noqa: E402
from carbonflow.model.space import ModelKnobs, decode  # noqa: E402
from carbonflow.model.tinyclip import (HELD_OUT, base_model, caption, evaluate,  # noqa: E402
                                       make_data)

pytestmark = [pytest.mark.torch, pytest.mark.slow]
RECIPE = {"steps": 300}


def test_held_out_combinations_never_appear_in_training():
    train = make_data(2000, 0, held_out=False)
    held = make_data(200, 1, held_out=True)
    seen = {tuple(c.split()[2:4]) for c in train.captions}
    assert not seen & set(HELD_OUT)
    assert {tuple(c.split()[2:4]) for c in held.captions} <= set(HELD_OUT)
    assert caption("small", "red", "circle", "left") == "a small red circle at left"


def test_tiny_clip_learns_well_above_chance():
    model, vocab, info = base_model(0, recipe=RECIPE)
    scores = evaluate(model, make_data(600, 10_000, held_out=True), vocab)
    assert scores["zeroshot_acc"] > 2.5 * scores["chance_acc"], scores
    assert scores["recall_at_1"] > 5 * scores["chance_recall"], scores
    # an untrained model of the same shape is near chance
    torch.manual_seed(0)
    from carbonflow.model.tinyclip import build_tiny_clip
    untrained = evaluate(build_tiny_clip().eval(), make_data(600, 10_000, held_out=True), vocab)
    assert untrained["recall_at_1"] < scores["recall_at_1"]


def test_heavier_pruning_without_finetuning_lowers_accuracy(tmp_path):
    cache = Cache("accuracy", root=tmp_path)
    base = proxy_accuracy(TINY_CLIP, finetune_steps=0, base_recipe=RECIPE, cache=cache)
    heavy = proxy_accuracy(decode(TINY_CLIP, ModelKnobs(*[0.5] * 8)), finetune_steps=0,
                           base_recipe=RECIPE, cache=cache)
    assert heavy["zeroshot_acc"] < base["zeroshot_acc"] - 0.05, (heavy, base)
    assert "synthetic proxy" in base["label"]
    again = proxy_accuracy(TINY_CLIP, finetune_steps=0, base_recipe=RECIPE, cache=cache)
    assert again["cached"] and again["zeroshot_acc"] == base["zeroshot_acc"]


def test_finetuning_recovers_some_accuracy(tmp_path):
    cache = Cache("accuracy", root=tmp_path)
    cfg = decode(TINY_CLIP, ModelKnobs(*[0.5] * 8))
    raw = proxy_accuracy(cfg, finetune_steps=0, base_recipe=RECIPE, cache=cache)
    tuned = proxy_accuracy(cfg, finetune_steps=100, base_recipe=RECIPE, cache=cache)
    assert tuned["recall_at_1"] + tuned["zeroshot_acc"] > raw["recall_at_1"] + raw["zeroshot_acc"]
