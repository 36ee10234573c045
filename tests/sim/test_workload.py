import pytest

from carbonflow.flows.errors import ConfigError
from carbonflow.model.config import TINY_CLIP, VIT_B_16, ClipConfig, load_model_config
from carbonflow.sim.workload import extract_gemms, total_macs


def test_vit_b16_macs_match_a_hand_count():
    """Hand count for open_clip ViT-B-16 (224 px, patch 16 -> 196 patches + CLS = 197 tokens).

    Vision, per layer: QKV 197*768*2304 + scores 12*197*64*197 + context 12*197*197*64
    + out 197*768*768 + FFN 2*197*768*3072 = 1,453,954,560; 12 layers; patch embedding
    196*768*768; projection 768*512. The total, 17.56 G, agrees with the 17.6 GFLOPs (multiply-adds)
    that DeiT (Touvron et al., ICML 2021, Table 1) lists for ViT-B at 224^2.
    Text (77 tokens, width 512, 8 heads of 64, FFN 2048), per layer:
    77*512*1536 + 2*8*77*64*77 + 77*512*512 + 2*77*512*2048 = 248,292,352; 12 layers;
    projection 512*512.
    """
    vision_layer = (197 * 768 * 2304 + 12 * 197 * 64 * 197 + 12 * 197 * 197 * 64
                    + 197 * 768 * 768 + 2 * 197 * 768 * 3072)
    assert vision_layer == 1_453_954_560
    vision = 12 * vision_layer + 196 * 768 * 768 + 768 * 512
    text_layer = 77 * 512 * 1536 + 2 * 8 * 77 * 64 * 77 + 77 * 512 * 512 + 2 * 77 * 512 * 2048
    assert text_layer == 248_292_352
    text = 12 * text_layer + 512 * 512
    gemms = extract_gemms(VIT_B_16)
    assert total_macs([g for g in gemms if g.name.startswith("vision")]) == vision
    assert total_macs([g for g in gemms if g.name.startswith("text")]) == text
    assert abs(vision / 1e9 - 17.6) < 0.1


def test_pruning_reduces_work_in_the_pruned_places():
    base = extract_gemms(VIT_B_16)
    fewer_layers = extract_gemms(VIT_B_16.pruned(vision={"layers": 6}))
    fewer_heads = extract_gemms(VIT_B_16.pruned(text={"heads": 4}))
    by = lambda gs: {g.name: g for g in gs}  # noqa: E731
    assert by(fewer_layers)["vision.ffn1"].repeat == 6
    assert by(fewer_layers)["text.ffn1"] == by(base)["text.ffn1"]
    assert by(fewer_heads)["text.qkv"].n == 3 * 4 * 64
    assert by(fewer_heads)["text.attn_scores"].repeat == 12 * 4
    assert total_macs(fewer_layers) < total_macs(base)


def test_model_config_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"^vision.layers must be in \[1, 256\], got 0$"):
        ClipConfig.from_dict(dict(VIT_B_16.to_dict(), vision=dict(VIT_B_16.to_dict()["vision"],
                                                                  layers=0)))
    with pytest.raises(ConfigError, match=r"neither a known base model"):
        load_model_config(tmp_path / "nope.json")
    assert load_model_config("tiny-clip") == TINY_CLIP
    p = tmp_path / "m.json"
    import json
    p.write_text(json.dumps(TINY_CLIP.to_dict()))
    assert load_model_config(p) == TINY_CLIP
