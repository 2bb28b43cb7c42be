"""Train with my layers: the learner's ReLU and Dense in the studio's network."""

from pathlib import Path

import numpy as np
import pytest

import pynn
import pynn.lab
from pynn.lab import LearnerCodeError
from pynn.lab.swap import build_with_learner_layers, learner_layers
from pynn.studio.twins import describe, with_pynn_layers

CODE = (Path(__file__).parent / "lab_solutions" / "my_layers.py").read_text()
EXERCISES = pynn.lab.all_exercises()


def classes(code=CODE):
    return learner_layers(code, [EXERCISES["relu"], EXERCISES["dense"]])


def test_correct_learner_layers_train_exactly_like_pynns(digits):
    config = pynn.TrainingConfig(hidden=(32,), dropout=0.0, epochs=1)
    mine = build_with_learner_layers(config, classes())
    theirs = config.build_network()
    assert describe(mine) == "Network([your Dense(784, 32), your ReLU(), your Dense(32, 10)])"
    for network in (mine, theirs):
        pynn.fit(network, digits.X_train[:640], digits.y_train[:640], epochs=1, batch_size=64, seed=0)
    for (name, a, _), (_, b, _) in zip(mine.parameters(), theirs.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7, err_msg=name)


def test_a_network_with_learner_layers_saves_as_a_pynn_model():
    config = pynn.TrainingConfig(hidden=(8,), dropout=0.0)
    mine = build_with_learner_layers(config, classes())
    loaded = pynn.load(pynn.io.to_bytes(with_pynn_layers(mine)))
    assert repr(loaded) == "Network([Dense(784, 8), ReLU(), Dense(8, 10)])"
    x = np.random.default_rng(0).random((3, 784), dtype=np.float32)
    np.testing.assert_allclose(loaded.predict_proba(x), mine.predict_proba(x), rtol=1e-6)


def test_layers_that_cannot_stand_in_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="'softmax' does not make a layer"):
        learner_layers(CODE, [EXERCISES["softmax"]])
    renamed = CODE.replace('self.params["W"]', 'self.params["weights"]')
    with pytest.raises(LearnerCodeError, match=r"your Dense has no self.params\['W'\]"):
        build_with_learner_layers(pynn.TrainingConfig(hidden=(8,)), classes(renamed))


def lab_layers(code=CODE):
    return [{"exercise": "relu", "code": code}, {"exercise": "dense", "code": code}]


def run_to_the_end(studio):
    events = []
    while True:
        answer = studio.handle({"type": "train_slice", "budget_ms": 1000})
        events += answer["events"]
        if answer["state"] != "running":
            return events


def test_the_studio_trains_with_the_learners_layers_and_says_so():
    from pynn.studio.bridge import Studio

    studio = Studio()
    assert studio.handle({"type": "reset", "config": {"hidden": "16", "epochs": "1", "dropout": "0"}})["ok"]
    answer = studio.handle({"type": "use_lab_layers", "layers": lab_layers()})
    assert answer["ok"], answer
    assert answer["model"]["summary"] == "Network([your Dense(784, 16), your ReLU(), your Dense(16, 10)])"
    assert answer["model"]["learner_layers"] == ["Dense", "ReLU"]
    assert answer["model"]["layers"][0] == {"type": "Dense", "yours": True, "input_units": 784, "output_units": 16}
    assert studio.handle({"type": "train"})["ok"]
    epochs = [e for e in run_to_the_end(studio) if e["type"] == "epoch"]
    assert len(epochs) == 1 and epochs[0]["val_accuracy"] > 0.7  # 1 epoch of a 16-unit net
    report = studio.handle({"type": "report"})
    assert report["ok"] and report["n_weight_images"] == 16 and report["test_accuracy"] > 0.7
    saved = pynn.load(studio.handle({"type": "save_model"})["data"])
    assert repr(saved) == "Network([Dense(784, 16), ReLU(), Dense(16, 10)])"


def test_a_learner_layer_that_raises_mid_run_ends_it_with_their_line_and_keeps_the_weights():
    from pynn.studio.bridge import Studio

    tired = CODE.replace("class ReLU(Layer):\n    def forward(self, input):\n",
                         "calls = 0\n\n\nclass ReLU(Layer):\n    def forward(self, input):\n"
                         "        global calls\n        calls += 1\n"
                         "        if calls > 30:\n            raise ValueError('tired')\n")
    assert "raise ValueError('tired')" in tired
    studio = Studio()
    studio.handle({"type": "reset", "config": {"hidden": "16", "epochs": "1", "dropout": "0"}})
    assert studio.handle({"type": "use_lab_layers", "layers": lab_layers(tired)})["ok"]
    before = studio.network.state_dict()
    studio.handle({"type": "train"})
    ended = [e for e in run_to_the_end(studio) if e["type"] == "training"][-1]
    assert ended["state"] == "idle" and ended["reason"] == "error"
    line = tired.splitlines().index("            raise ValueError('tired')") + 1
    assert f"line {line} in forward: raise ValueError('tired')" in ended["message"]
    assert ended["message"].endswith("ValueError: tired")
    after = studio.network.state_dict()
    assert all(np.all(np.isfinite(value)) for value in after.values())
    assert any(not np.array_equal(after[k], before[k]) for k in before)  # trained up to the error


# -- a learner's Conv2D in the studio's convnet ---------------------------------------------------
CONV_CODE = (Path(__file__).parent / "lab_solutions" / "my_conv.py").read_text()
CONVNET = pynn.TrainingConfig(arch="conv4x5 pool2 conv8x5 pool2", hidden=(), dropout=0.0,
                              optimizer="sgd", lr=0.05, epochs=1)


def conv_classes():
    return learner_layers(CONV_CODE, [EXERCISES["conv2d"]])


def test_a_correct_learner_conv2d_trains_exactly_like_pynns(digits):
    mine = build_with_learner_layers(CONVNET, conv_classes())
    theirs = CONVNET.build_network()
    assert describe(mine) == ("Network([Reshape((1, 28, 28)), your Conv2D(1, 4, 5), ReLU(), MaxPool2D(2), "
                              "your Conv2D(4, 8, 5), ReLU(), MaxPool2D(2), Flatten(), Dense(128, 10)])")
    assert mine.metadata["learner_layers"] == ["Conv2D"]
    for network in (mine, theirs):
        pynn.fit(network, digits.X_train[:320], digits.y_train[:320], epochs=1, batch_size=64, seed=0)
    for (name, a, _), (_, b, _) in zip(mine.parameters(), theirs.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6, err_msg=name)
    assert not np.allclose(mine.layers[1].params["W"], CONVNET.build_network().layers[1].params["W"])  # it trained


def test_a_convnet_with_a_learner_conv2d_saves_as_pynns():
    mine = build_with_learner_layers(CONVNET, conv_classes())
    loaded = pynn.load(pynn.io.to_bytes(with_pynn_layers(mine)))
    assert repr(loaded) == repr(CONVNET.build_network())
    x = np.random.default_rng(0).random((3, 784), dtype=np.float32)
    np.testing.assert_allclose(loaded.predict_proba(x), mine.predict_proba(x), rtol=1e-5)


def test_the_studio_trains_its_convnet_with_the_learners_conv2d():
    from pynn.studio.bridge import Studio

    studio = Studio()
    # batch 16: a step of the learner's numpy Conv2D stays within the step budget even on a busy
    # machine in Pyodide, where pynn's own layers use the kernel (the limit is tested elsewhere)
    config = {"arch": "conv4x5 pool4", "hidden": "", "epochs": "1", "dropout": "0", "shift": "0",
              "batch_size": "16"}
    assert studio.handle({"type": "reset", "config": config})["ok"]
    answer = studio.handle({"type": "use_lab_layers", "layers": [{"exercise": "conv2d", "code": CONV_CODE}]})
    assert answer["ok"], answer
    assert "your Conv2D(1, 4, 5)" in answer["model"]["summary"]
    assert answer["model"]["layers"][1] == {"type": "Conv2D", "yours": True, "in_channels": 1,
                                            "out_channels": 4, "kernel_size": 5, "stride": 1, "padding": 0}
    pynns = Studio()   # the same settings with pynn's Conv2D: the same run, epoch for epoch
    assert pynns.handle({"type": "reset", "config": config})["ok"]
    results = []
    for each in (studio, pynns):
        assert each.handle({"type": "train"})["ok"]
        results.append([e for e in run_to_the_end(each) if e["type"] == "epoch"])
    (mine,), (theirs,) = results
    assert mine["val_accuracy"] > 0.6 and mine["val_accuracy"] == pytest.approx(theirs["val_accuracy"], abs=0.002)
    assert mine["loss"] == pytest.approx(theirs["loss"], rel=1e-3)
    report = studio.handle({"type": "report"})
    assert report["weight_kind"] == "filters" and report["weight_side"] == 5   # their filters, shown
    saved = pynn.load(studio.handle({"type": "save_model"})["data"])
    assert repr(saved.layers[1]) == "Conv2D(1, 4, 5)"


def test_a_learner_conv2d_without_a_place_for_it_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="this network has no Conv2D layer for your Conv2D to replace: "
                                         "give it convolutions"):
        build_with_learner_layers(pynn.TrainingConfig(hidden=(8,)), conv_classes())
    with pytest.raises(ValueError, match=r"your Conv2D slides by one pixel without padding, but this "
                                         r"network's Conv2D\(1, 4, 5, stride=2, padding=2\) does not"):
        build_with_learner_layers(CONVNET.update({"arch": "conv4x5s2p2"}), conv_classes())
    # with the MLP, a learner's Dense still stands in and their Conv2D is left out
    both = {**classes(), **conv_classes()}
    mine = build_with_learner_layers(pynn.TrainingConfig(hidden=(8,), dropout=0.0), both)
    assert mine.metadata["learner_layers"] == ["Dense", "ReLU"]


# -- how much slower the learner's layers are, and why ------------------------------------------
def test_the_studio_answers_how_much_slower_a_step_with_the_learners_layers_is_and_why():
    from pynn.studio.bridge import Studio

    studio = Studio()
    studio.handle({"type": "reset", "config": {"hidden": "16", "epochs": "1", "dropout": "0"}})
    assert studio.handle({"type": "info"})["model"]["learner_speed"] is None     # pynn's own layers
    speed = studio.handle({"type": "use_lab_layers", "layers": lab_layers()})["model"]["learner_speed"]
    assert speed["slowdown"] > 0 and f"{speed['slowdown']:.1f}×" in speed["words"]
    assert ("your Dense, the first layer, also computes grad_input (the gradient for the 784 inputs "
            "of each example), which nobody uses: pynn's Dense skips it") in speed["words"]
    assert "loops" not in speed["words"] and "float64" not in speed["words"]
    assert studio.handle({"type": "reset"})["model"]["learner_speed"] is None    # a new network


def test_the_speed_is_worded_from_the_figure_and_the_reasons():
    from pynn.studio.learner_speed import learner_speed

    assert learner_speed(3.14, ["a", "b"]) == {
        "slowdown": 3.1, "words": "Your layers make a training step 3.1× as long as pynn's: a; b."}
    assert learner_speed(2.0, [])["words"] == "Your layers make a training step 2.0× as long as pynn's."
    assert learner_speed(1.04, ["a"])["words"] == ("Your layers make a training step about as long as "
                                                   "pynn's (1.0×). What they do differently: a.")


def test_each_reason_is_named_only_when_it_is_true_of_the_learners_layers(monkeypatch):
    from pynn import ops
    from pynn.studio.learner_speed import slowdown_reasons

    monkeypatch.setattr(ops, "IN_WEBASSEMBLY", False)   # natively first (the products' reason is the browser's)
    reasons = slowdown_reasons(build_with_learner_layers(CONVNET, conv_classes()))
    loop = CONV_CODE.splitlines().index("        for u in range(k):") + 1
    assert reasons == [
        "your Conv2D, the first layer, also computes grad_input (the gradient for the 784 inputs of "
        "each example), which nobody uses: pynn's Conv2D skips it",
        f"your Conv2D runs Python loops (line {loop}), where pynn's works on whole arrays",
        "your Conv2D returns float64 numbers, twice the size of pynn's float32 ones"]
    # a Dense that skips grad_input itself, like pynn's, is not told it computes it
    skipping = CODE.replace("    def backward(self, input, grad_output):\n        self.grads[\"W\"]",
                            "    def compute_grads(self, input, grad_output):\n"
                            "        self.backward(input, grad_output)\n\n"
                            "    def backward(self, input, grad_output):\n        self.grads[\"W\"]")
    assert "def compute_grads" in skipping
    assert slowdown_reasons(build_with_learner_layers(pynn.TrainingConfig(hidden=(8,)), classes(skipping))) == []
    # in the browser, a learner's @ is named beside pynn's products; pynn.ops.matmul is not
    monkeypatch.setattr(ops, "IN_WEBASSEMBLY", True)
    network = build_with_learner_layers(pynn.TrainingConfig(hidden=(8,)), classes())
    assert any("yours with numpy's own products (@, np.dot), which have no BLAS in the browser" in r
               for r in slowdown_reasons(network))
    with_ops = "from pynn.ops import matmul\n" + CODE
    network = build_with_learner_layers(pynn.TrainingConfig(hidden=(8,)), classes(with_ops))
    assert not any("products" in r for r in slowdown_reasons(network))
