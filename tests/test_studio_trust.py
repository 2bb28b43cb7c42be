"""The studio's worker stays the studio's: a learner's code that fails, escapes or meddles
changes nothing, a request that fails changes nothing, and what is saved or reported is true."""

from pathlib import Path

import numpy as np
import pytest

import pynn
from pynn.studio.bridge import Studio
from pynn.conv import Conv2D, Flatten
from pynn.layers import Dense, ReLU
from pynn.studio import limits

CODE = (Path(__file__).parent / "lab_solutions" / "my_layers.py").read_text()
SMALL = {"hidden": "16", "epochs": "1", "dropout": "0"}


def studio_with(config=SMALL) -> Studio:
    studio = Studio()
    assert studio.handle({"type": "reset", "config": config})["ok"]
    return studio


def use(studio: Studio, code: str, exercises=("relu", "dense")) -> dict:
    return studio.handle({"type": "use_lab_layers",
                          "layers": [{"exercise": e, "code": code} for e in exercises]})


def test_a_learner_relu_named_otherwise_is_saved_as_the_relu_it_replaced():
    renamed = CODE.replace("class ReLU(", "class Tanh(") + "\nReLU = Tanh\n"
    for code in (renamed, CODE.replace("class ReLU(", "class MyReLU(") + "\nReLU = MyReLU\n"):
        studio = studio_with()
        answer = use(studio, code)
        assert answer["ok"], answer
        assert answer["model"]["summary"] == "Network([your Dense(784, 16), your ReLU(), your Dense(16, 10)])"
        saved = studio.handle({"type": "save_model"})
        loaded = pynn.load(saved["data"])
        assert repr(loaded) == "Network([Dense(784, 16), ReLU(), Dense(16, 10)])"
        x = np.random.default_rng(0).normal(size=(5, 784)).astype(np.float32)
        np.testing.assert_allclose(loaded.predict_proba(x), studio.network.predict_proba(x), rtol=1e-6)
        assert Studio().handle({"type": "load_model", "data": saved["data"]})["ok"]


@pytest.mark.parametrize("escape", ["raise SystemExit", "import sys; sys.exit(0)",
                                    "raise KeyboardInterrupt", "raise GeneratorExit"])
def test_learner_code_that_exits_at_import_is_a_failed_request_that_changes_nothing(escape):
    studio = studio_with()
    before = studio.handle({"type": "info"})["model"]
    answer = use(studio, CODE + "\n" + escape + "\n")
    assert not answer["ok"] and answer["error"]
    assert studio.handle({"type": "info"})["model"] == before


def test_learner_code_that_exits_while_training_ends_the_run_and_the_worker_goes_on():
    studio = studio_with()
    calls = "calls = []\n"   # the first calls (the studio times the layer) go well
    code = calls + CODE.replace("    def forward(self, input):\n",
                                "    def forward(self, input):\n        calls.append(1)\n"
                                "        if len(calls) > 40:\n            raise SystemExit\n", 1)
    assert use(studio, code, exercises=("relu",))["ok"]
    assert studio.handle({"type": "train"})["ok"]
    for _ in range(20):   # the untrained network is measured first, then it trains
        answer = studio.handle({"type": "train_slice", "budget_ms": 200})
        if answer["state"] == "idle":
            break
    assert answer["ok"] and answer["state"] == "idle"
    assert "SystemExit" in answer["events"][-1]["message"]
    assert studio.handle({"type": "info"})["ok"]


MEDDLING = {
    "the size limit": "import pynn.studio.limits as l\nl.STEP_BUDGET_MS = 10**9\n",
    "numpy's error handling": "import numpy\nnumpy.seterr(all='raise')\n",
    "a numpy function": "import numpy\nnumpy.abs = lambda x: x\n",
}


@pytest.mark.parametrize("what", MEDDLING)
def test_learner_code_that_changes_the_studio_is_refused_and_undone(what):
    studio = studio_with()
    budget, errors, absolute = limits.STEP_BUDGET_MS, np.geterr(), np.abs
    before = studio.handle({"type": "info"})["model"]
    answer = use(studio, CODE + "\n" + MEDDLING[what])
    assert not answer["ok"]
    assert "your code changed" in answer["error"]
    assert studio.handle({"type": "info"})["model"] == before
    assert (limits.STEP_BUDGET_MS, np.geterr(), np.abs) == (budget, errors, absolute)
    # the studio's own limit still holds
    too_big = studio.handle({"type": "reset", "config": {"hidden": "4096,4096,4096"}})
    assert not too_big["ok"]


def test_a_model_with_an_absurd_epoch_count_loads_and_counts_from_zero():
    network = pynn.network.build_mlp(784, (16,), 10)
    studio = studio_with()
    answer = studio.handle({"type": "load_model", "data": pynn.io.to_bytes(network, metadata={"epochs": 10**400})})
    assert answer["ok"], answer
    assert answer["model"]["epochs_done"] == 0


def test_a_model_that_cannot_be_used_leaves_the_run_going():
    studio = studio_with({**SMALL, "epochs": "3"})
    assert studio.handle({"type": "train"})["state"] == "running"
    too_many_inputs = pynn.network.build_mlp(100, (16,), 10)
    answer = studio.handle({"type": "load_model", "data": pynn.io.to_bytes(too_many_inputs)})
    assert not answer["ok"] and studio.session.run_state == "running"
    assert studio.handle({"type": "train_slice", "budget_ms": 50})["state"] == "running"


def test_the_report_computed_in_pieces_sees_one_set_of_weights(monkeypatch):
    monkeypatch.setattr(pynn.studio.session, "eval_rows", lambda cost: 100)
    studio = studio_with({**SMALL, "epochs": "3"})
    session = studio.session
    expected_accuracy = session.network.evaluate(session.data.X_test, session.data.y_test)[1]
    assert session.report(budget_s=1e-9) is None      # one piece done
    assert studio.handle({"type": "train"})["ok"]
    for _ in range(5):                                  # the weights change between pieces
        studio.handle({"type": "train_slice", "budget_ms": 100})
    report = None
    while report is None:
        report = session.report(budget_s=1e-9)
    assert report["test_accuracy"] == pytest.approx(expected_accuracy, abs=1e-12)
    assert session.network.evaluate(session.data.X_test, session.data.y_test)[1] != expected_accuracy


def test_a_loaded_convnet_shows_one_feature_map_per_filter():
    network = pynn.Network([pynn.conv.Reshape((1, 28, 28)), Conv2D(1, 4, 5, rng=0), Flatten(),
                            Dense(4 * 24 * 24, 10, rng=0)])
    studio = Studio()
    assert studio.handle({"type": "load_model", "data": pynn.io.to_bytes(network)})["ok"]
    ink = np.zeros((28, 28), np.uint8)
    ink[6:22, 12:16] = 255
    answer = studio.handle({"type": "predict", "pixels": ink.tobytes(), "width": 28, "height": 28})
    assert answer["ok"] and answer["n_feature_maps"] == 4 and answer["feature_side"] == 24


def test_relu_after_the_convolution_is_still_applied_to_the_maps():
    conv = Conv2D(1, 2, 3, rng=0)
    network = pynn.Network([pynn.conv.Reshape((1, 28, 28)), conv, ReLU(), Flatten(), Dense(2 * 26 * 26, 10, rng=0)])
    image = np.random.default_rng(1).random(784).astype(np.float32)
    maps, side = pynn.studio.report.feature_maps(network, image)
    expected = np.maximum(conv.forward(image.reshape(1, 1, 28, 28))[0], 0)
    assert side == 26 and maps.shape == (2, 26 * 26)
    np.testing.assert_array_equal(maps, np.round(255 * expected / expected.max()).reshape(2, -1))
