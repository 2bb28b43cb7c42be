"""The convolutional part of a recipe: its text form (pynn.arch), TrainingConfig.arch, the
CLI's --arch, and the studio's size limit for convnets."""

import numpy as np
import pytest

from pynn import Conv2D, MaxPool2D, TrainingConfig
from pynn.arch import arch_shapes, arch_text, conv_costs, parse_arch
from pynn.studio.limits import config_cost, network_cost, size_errors

CODELAB = "conv8x5 pool2 conv16x5 pool2"


@pytest.mark.parametrize("text, normal", [
    (CODELAB, CODELAB), ("  conv8x5,pool2 ", "conv8x5 pool2"), ("", ""),
    ("conv8x5p2 pool2", "conv8x5p2 pool2"), ("conv4x3s2", "conv4x3s2"), ("conv4x3s1p0", "conv4x3"),
])
def test_the_text_form_round_trips(text, normal):
    assert arch_text(parse_arch(text)) == normal
    assert TrainingConfig(arch=text).arch == normal


@pytest.mark.parametrize("text, words", [
    ("conv8x5 pool2 conv16x5 pool2 conv4x5", "'conv4x5' needs at least 5×5 pixels, but the layers before it leave 4×4"),
    ("conv0x5", "has 0 filters"), ("conv8x30", "kernel of 1 to 28"), ("pool1", "pool sizes go from 2"),
    ("dense10", "'dense10' is not one"), ("conv8x5 " * 9, "at most 8 words"), ("conv4x3s4", "a stride from 1"),
])
def test_bad_words_are_named_with_the_reason(text, words):
    errors = TrainingConfig.field_errors({"arch": text})
    assert set(errors) == {"arch"} and errors["arch"].startswith("Convolutions")
    assert words in errors["arch"]


def test_the_codelab_network_is_built_with_the_recipe_s_activation_and_seed():
    config = TrainingConfig(arch=CODELAB, hidden=(), dropout=0.0, activation="tanh", seed=3)
    net = config.build_network()
    convs = [layer for layer in net.layers if isinstance(layer, Conv2D)]
    assert [(c.params["W"].shape[0]) for c in convs] == [8, 16]
    assert sum(isinstance(layer, MaxPool2D) for layer in net.layers) == 2
    assert "Tanh()" in repr(net.layers) and net.count_params() == 5994
    assert net.predict(np.zeros((2, 784), np.float32)).shape == (2,)
    again = config.build_network()
    for (_, a, _), (_, b, _) in zip(net.parameters(), again.parameters()):
        np.testing.assert_array_equal(a, b)


def test_costs_count_every_multiply_add_of_one_example():
    layers = parse_arch(CODELAB)
    assert arch_shapes(layers) == [(8, 24, 24), (8, 12, 12), (16, 8, 8), (16, 4, 4)]
    assert conv_costs(layers) == (208 + 3216, 8 * 25 * 24 * 24 + 16 * 200 * 8 * 8)
    config = TrainingConfig(arch=CODELAB, hidden=(32,))
    assert config_cost(config) == network_cost(config.build_network())


def test_the_codelab_cnn_fits_the_studio_and_a_wide_one_is_refused_naming_convolutions():
    assert size_errors(TrainingConfig(arch=CODELAB, hidden=(), batch_size=64)) == {}
    errors = size_errors(TrainingConfig(arch="conv64x5p2 conv64x5p2", hidden=(), batch_size=64))
    assert set(errors) == {"arch", "batch_size"} or set(errors) == {"arch"}
    assert errors["arch"].startswith("Too big") and "filters" in errors["arch"]


@pytest.mark.native_only(reason="runs `python -m pynn` in a subprocess")
def test_the_cli_trains_a_convnet_from_the_same_text(tmp_path):
    import subprocess
    import sys

    import pynn

    out = tmp_path / "cnn.npz"
    result = subprocess.run([sys.executable, "-m", "pynn", "train", "--arch", "conv4x5 pool4", "--hidden", "",
                             "--epochs", "1", "--batch-size", "256", "--no-progress", "--out", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    net = pynn.load(out)
    assert "Conv2D(1, 4, 5)" in repr(net.layers) and net.metadata["config"]["arch"] == "conv4x5 pool4"
    bad = subprocess.run([sys.executable, "-m", "pynn", "train", "--arch", "conv4x"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error: --arch: Convolutions must be")


def test_a_convnet_trains_saves_and_loads_through_the_studio(digits):
    from pynn.studio.bridge import Studio

    studio = Studio()
    studio.session._data = digits
    config = {"arch": "conv4x5 pool4", "hidden": "", "batch_size": 64, "epochs": 1, "shift": 0}
    assert studio.handle({"type": "reset", "config": config})["ok"]
    assert studio.handle({"type": "train"})["state"] == "running"
    while studio.handle({"type": "train_slice", "budget_ms": 1000})["state"] == "running":
        pass
    report = studio.handle({"type": "report"})
    assert report["test_accuracy"] > 0.5 and report["weight_kind"] == "filters" and report["weight_side"] == 5
    saved = studio.handle({"type": "save_model"})["data"]
    other = Studio()
    loaded = other.handle({"type": "load_model", "data": saved, "name": "cnn.npz"})
    assert loaded["ok"] and loaded["config"]["arch"] == "conv4x5 pool4" and loaded["model"]["epochs_done"] == 1
    np.testing.assert_array_equal(other.network.predict(digits.X_test), studio.network.predict(digits.X_test))


@pytest.mark.parametrize("text", [CODELAB, "conv4x3s2p1 pool3", "conv6x5p2 pool2 conv3x4s2"])
def test_the_text_forms_shapes_are_the_layers_own(text):
    """arch_shapes sizes each word with Conv2D's and MaxPool2D's own output_size."""
    net = TrainingConfig(arch=text, hidden=(), dropout=0.0).build_network()
    shape, shapes = net.layers[0].output_shape(None), []
    for layer in net.layers:
        if isinstance(layer, (Conv2D, MaxPool2D)):
            shape = layer.output_shape(shape)
            shapes.append(shape)
    assert arch_shapes(parse_arch(text)) == shapes
