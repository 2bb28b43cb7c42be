"""Train with my layers: the learner's ReLU and Dense in the studio's network."""

from pathlib import Path

import numpy as np
import pytest

import pynn
import pynn.lab
from pynn.lab import LearnerCodeError
from pynn.lab.swap import build_with_learner_layers, describe, learner_layers, with_pynn_layers

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
    from pynn.bridge import Studio

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
    from pynn.bridge import Studio

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
