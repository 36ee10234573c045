"""The real-checkpoint path on a small local model and a small local image set."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")

from carbonflow.flows.errors import ConfigError  # noqa: E402
from carbonflow.model.accuracy import checkpoint_accuracy  # noqa: E402
from carbonflow.model.tinyclip import _render  # noqa: E402

pytestmark = pytest.mark.torch

ARCH = {"embed_dim": 32,
        "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "head_width": 16,
                       "patch_size": 8},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2,
                     "layers": 2}}


@pytest.fixture(scope="module")
def local_checkpoint(tmp_path_factory):
    d = tmp_path_factory.mktemp("ckpt")
    (d / "cf-test-clip.json").write_text(json.dumps(ARCH))
    open_clip.add_model_config(d / "cf-test-clip.json")
    torch.manual_seed(0)
    model = open_clip.create_model("cf-test-clip")
    torch.save(model.state_dict(), d / "weights.pt")
    # class-per-folder set and a caption CSV
    from PIL import Image
    rng = np.random.default_rng(0)
    for cls, shape in (("red_circle", ("small", "red", "circle")),
                       ("blue_square", ("large", "blue", "square"))):
        (d / "set" / cls).mkdir(parents=True)
        for i in range(3):
            img = _render(rng, shape[0], shape[1], shape[2], "center")
            Image.fromarray((img.transpose(1, 2, 0) * 255).astype("uint8")).save(
                d / "set" / cls / f"{i}.png")
    (d / "set" / "pairs.csv").write_text(
        "image,caption\nred_circle/0.png,a red circle\nblue_square/0.png,a blue square\n")
    return d


def test_loads_a_local_checkpoint_and_scores_a_folder(local_checkpoint):
    d = local_checkpoint
    res = checkpoint_accuracy("cf-test-clip", d / "weights.pt", eval_dir=d / "set")
    assert res["classes"] == 2 and res["images"] == 6
    assert 0.0 <= res["zeroshot_acc"] <= 1.0 and res["chance_acc"] == 0.5
    res = checkpoint_accuracy("cf-test-clip", d / "weights.pt", eval_csv=d / "set" / "pairs.csv")
    assert res["pairs"] == 2 and 0.0 <= res["recall_at_1"] <= 1.0


def test_bad_checkpoint_inputs_fail_fast(local_checkpoint):
    d = local_checkpoint
    with pytest.raises(ConfigError, match=r"does not exist \(only local files are used\)"):
        checkpoint_accuracy("cf-test-clip", d / "missing.pt", eval_dir=d / "set")
    with pytest.raises(ConfigError, match=r"is not an open_clip architecture"):
        checkpoint_accuracy("no-such-clip", d / "weights.pt", eval_dir=d / "set")
    with pytest.raises(ConfigError, match=r"exactly one of eval_dir"):
        checkpoint_accuracy("cf-test-clip", d / "weights.pt")
