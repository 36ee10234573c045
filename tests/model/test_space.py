import pytest

from carbonflow.flows.errors import ConfigError
from carbonflow.model.config import TINY_CLIP, VIT_B_16
from carbonflow.model.space import ModelKnobs, decode, param_count


def test_unpruned_knobs_give_the_base_dimensions():
    cfg = decode(VIT_B_16, ModelKnobs())
    assert cfg.vision == VIT_B_16.vision and cfg.text == VIT_B_16.text


def test_never_below_half_and_rounded():
    cfg = decode(VIT_B_16, ModelKnobs(vision_layers=0.5, vision_heads=0.5, vision_mlp=0.5,
                                      vision_width=0.5, text_heads=0.55, text_width=0.77))
    assert cfg.vision.layers == 6 and cfg.vision.heads == 6
    assert cfg.vision.mlp_width == 1536 and cfg.vision.width == 384
    assert cfg.text.heads == 4  # round(8 * 0.55) = 4 = ceil(8 / 2)
    assert cfg.text.width % 8 == 0 and 256 <= cfg.text.width <= 512
    assert cfg.vision.head_dim == 64  # heads are removed whole


def test_knob_range_errors():
    with pytest.raises(ConfigError, match=r"^vision_layers must be in \[0\.5, 1\], got 0\.4$"):
        ModelKnobs(vision_layers=0.4)


def test_param_count_of_vit_b16():
    # open_clip ViT-B-16 has 149.62 M parameters (open_clip model profile table)
    assert param_count(VIT_B_16) == 149_620_737
    assert param_count(decode(TINY_CLIP, ModelKnobs(text_layers=0.5))) < param_count(TINY_CLIP)
