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
