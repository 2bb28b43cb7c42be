"""The studio as a first-time demo, in Python: the model the page starts with reads drawings
until the first Train, which starts a fresh network for a short run; a drawing's
activations layer by layer; how many first-layer units the weight pictures are of."""

import numpy as np
import pytest

import pynn
from pynn.config import TrainingConfig, preset
from pynn.studio.bridge import Studio
from pynn.studio.inside import MAX_MAPS, layer_activations
from pynn.studio.limits import KERNEL, NUMPY, demo_epochs

TRAINED = {"hidden": "32", "epochs": 3, "batch_size": 128, "dropout": 0, "shift": 0}


def ask(studio, kind, **args):
    answer = studio.handle({"type": kind, **args})
    assert answer["ok"], answer
    return answer


@pytest.fixture
def starter(digits):
    """A studio that has loaded its starting model (as the page does at boot), a network
    trained for 3 epochs standing in for the pretrained file."""
    network = TrainingConfig().update(TRAINED).build_network()
    pynn.fit(network, digits.X_train, digits.y_train, epochs=1, batch_size=128, seed=0)
    studio = Studio()
    studio.session._data = digits
    data = pynn.io.to_bytes(network, metadata={"config": TRAINED, "epochs": 3})
    answer = ask(studio, "load_pretrained", data=data)
    assert answer["model"]["starter"] is True and answer["model"]["epochs_done"] == 3
    return studio, data


def test_the_first_train_starts_a_fresh_network_for_the_demo_and_the_next_one_goes_on(starter):
    studio, _ = starter
    before = studio.network
    answer = ask(studio, "train")
    assert answer["fresh"] is True and studio.network is not before
    epochs = demo_epochs(TrainingConfig().update(TRAINED), 8000)
    assert answer["config"]["epochs"] == epochs == studio.run.epochs
    assert answer["model"]["epochs_done"] == 0 and answer["model"]["starter"] is False
    assert answer["config"]["hidden"] == [32]   # the current recipe
    first = ask(studio, "train_slice", budget_ms=10_000)
    assert first["events"][0]["type"] == "untrained" and first["events"][0]["val_accuracy"] < 0.5
    ask(studio, "stop")
    again = ask(studio, "train")               # Train again: the same network goes on
    assert "fresh" not in again and studio.run.epochs == epochs


def test_a_step_first_also_starts_the_fresh_network(starter):
    studio, _ = starter
    answer = ask(studio, "step")
    assert answer["fresh"] is True and answer["model"]["epochs_done"] == 0


def test_a_pretrained_model_chosen_by_the_visitor_or_reset_is_trained_on(starter):
    studio, data = starter
    chosen = ask(studio, "load_pretrained", which="mlp", data=data)   # the button: a choice
    assert chosen["model"]["starter"] is False and chosen["model"]["demo_epochs"] is None
    assert "fresh" not in ask(studio, "train") and studio.session.log.epochs_done == 3
    ask(studio, "load_pretrained", data=data)                          # the starting model again
    ask(studio, "reset")
    assert ask(studio, "info")["model"]["starter"] is False
    assert "fresh" not in ask(studio, "train")


def test_a_demo_that_cannot_start_changes_nothing(starter, monkeypatch):
    studio, _ = starter
    before = studio.network

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pynn.studio.run, "train_steps", no_memory)
    assert studio.handle({"type": "train"})["ok"] is False
    assert studio.network is before and studio.session.starter and studio.run is None


def test_the_demo_is_as_many_epochs_as_fit_half_a_minute():
    mlp, cnn = TrainingConfig(), preset("CNN")
    assert demo_epochs(mlp, 8000, KERNEL) > demo_epochs(mlp, 8000, NUMPY) >= 1
    assert demo_epochs(cnn, 8000, KERNEL) == 1                     # at least one
    assert demo_epochs(mlp.update({"epochs": 3}), 8000, KERNEL) == 3   # at most the recipe's
    assert demo_epochs(mlp, 80, KERNEL) == mlp.epochs


def test_a_drawing_shows_each_layer_of_an_mlp():
    network = TrainingConfig().build_network()
    image = np.random.default_rng(1).random(784).astype(np.float32)
    probs, stages = layer_activations(network, image)
    np.testing.assert_allclose(probs, network.predict_proba(image[None])[0], rtol=1e-5)
    assert [s["label"] for s in stages] == ["Dense(784, 256) + ReLU", "Dense(256, 128) + ReLU",
                                            "output: probability of each digit"]
    assert [(s["kind"], s["count"], len(s["values"])) for s in stages] == [
        ("units", 256, 256), ("units", 128, 128), ("probabilities", 10, 10)]
    hidden = np.maximum(image @ network.layers[0].params["W"] + network.layers[0].params["b"], 0)
    expected = np.round(255 * hidden / hidden.max()).astype(np.uint8)
    assert np.abs(stages[0]["values"].astype(int) - expected).max() <= 1   # ReLU's, scaled to 255
    assert stages[-1]["values"].max() == 255 and not any(s["signed"] for s in stages)


def test_a_drawing_shows_each_layer_of_a_convnet_and_signed_activations_are_marked():
    network = preset("CNN").build_network()
    image = np.random.default_rng(2).random(784).astype(np.float32)
    _, stages = layer_activations(network, image)
    assert [(s["kind"], s["count"], s["total"], s["side"]) for s in stages] == [
        ("maps", 16, 16, 24), ("maps", 16, 16, 12), ("maps", MAX_MAPS, 32, 8), ("maps", MAX_MAPS, 32, 4),
        ("units", 128, 128, 0), ("probabilities", 10, 10, 0)]
    assert stages[1]["label"] == "MaxPool2D(2)"
    tanh = TrainingConfig(hidden=(20,), activation="tanh").build_network()
    (hidden, _) = layer_activations(tanh, image)[1]
    assert hidden["signed"] and hidden["label"] == "Dense(784, 20) + Tanh"


def test_predict_answers_the_activations_and_the_report_says_how_many_units_there_are(digits):
    studio = Studio()
    studio.session._data = digits
    ink = np.zeros((28, 28), np.uint8)
    ink[5:23, 13:15] = 255
    answer = ask(studio, "predict", pixels=ink.tobytes(), width=28, height=28)
    assert [s["count"] for s in answer["activations"]] == [256, 128, 10]
    assert isinstance(answer["activations"][0]["values"], bytes)
    report = ask(studio, "report")
    assert (report["n_weight_images"], report["n_weight_total"]) == (32, 256)
