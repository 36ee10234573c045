"""Structured pruning of real open_clip models (needs torch and open_clip_torch)."""

import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")

from carbonflow.flows.errors import ConfigError  # noqa: E402
from carbonflow.model.config import TINY_CLIP, VIT_B_16  # noqa: E402
from carbonflow.model.prune import (PrunableAttention, clip_config_of, make_prunable,  # noqa: E402
                                    n_params, prune_clip)
from carbonflow.model.space import ModelKnobs, decode, param_count  # noqa: E402
from carbonflow.model.tinyclip import Vocab, build_tiny_clip, make_data  # noqa: E402

pytestmark = pytest.mark.torch


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    m = build_tiny_clip(TINY_CLIP).eval()
    data = make_data(16, 0, held_out=False)
    vocab = Vocab(TINY_CLIP.text.vocab_size, TINY_CLIP.text.seq_len)
    return m, data.images, vocab.encode(data.captions)


def test_prunable_attention_matches_multihead_attention():
    torch.manual_seed(1)
    mha = torch.nn.MultiheadAttention(32, 4, batch_first=True).eval()
    pa = PrunableAttention.from_mha(mha).eval()
    x = torch.randn(3, 7, 32)
    mask = torch.full((7, 7), float("-inf")).triu(1)
    with torch.no_grad():
        for m in (None, mask):
            want = mha(x, x, x, need_weights=False, attn_mask=m)[0]
            got = pa(x, x, x, need_weights=False, attn_mask=m)[0]
            assert torch.allclose(got, want, atol=1e-5)


def test_nothing_pruned_preserves_outputs(tiny):
    m, images, tokens = tiny
    with torch.no_grad():
        img0, txt0 = m.encode_image(images), m.encode_text(tokens)
        swapped = make_prunable(__import__("copy").deepcopy(m))
        assert torch.allclose(swapped.encode_image(images), img0, atol=1e-5)
        assert torch.allclose(swapped.encode_text(tokens), txt0, atol=1e-5)
        same = prune_clip(m, TINY_CLIP, calib_images=images, calib_text=tokens)
        assert torch.allclose(same.encode_image(images), img0, atol=1e-5)
        assert torch.allclose(same.encode_text(tokens), txt0, atol=1e-5)


@pytest.mark.parametrize("knobs", [
    ModelKnobs(vision_layers=0.5, text_layers=0.75),
    ModelKnobs(vision_heads=0.5, text_heads=0.75, vision_mlp=0.5, text_mlp=0.6),
    ModelKnobs(vision_width=0.5, text_width=0.75),
    ModelKnobs(0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5),
])
def test_pruned_model_runs_and_matches_its_config(tiny, knobs):
    m, images, tokens = tiny
    target = decode(TINY_CLIP, knobs)
    p = prune_clip(m, target, calib_images=images, calib_text=tokens)
    assert n_params(p) == param_count(target)
    got = clip_config_of(p)
    assert got.vision == target.vision and got.text == target.text
    with torch.no_grad():
        assert p.encode_image(images).shape == (16, TINY_CLIP.embed_dim)
        assert p.encode_text(tokens).shape == (16, TINY_CLIP.embed_dim)
    assert n_params(m) == param_count(TINY_CLIP)  # the original is untouched


def test_param_count_matches_open_clip_vit_b16():
    m = open_clip.create_model("ViT-B-16")
    assert n_params(m) == param_count(VIT_B_16)
    assert clip_config_of(m).vision == VIT_B_16.vision


def test_pruning_cannot_grow(tiny):
    m, images, tokens = tiny
    bigger = TINY_CLIP.pruned(text={"layers": 8})
    with pytest.raises(ConfigError, match=r"^text.layers=8 exceeds the model's 4"):
        prune_clip(m, bigger)
