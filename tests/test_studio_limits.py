"""The studio's size limit and its cut-up work (pynn.studio.limits): networks whose training
step would keep the page waiting are refused with the form's words, evaluations run in
pieces that each fit the budget, and a replaced network is let go."""

import gc
import weakref
from pathlib import Path

import numpy as np
import pytest

import pynn
from pynn.studio.bridge import Studio
from pynn.studio.limits import (STEP_BUDGET_MS, config_cost, estimate_step_ms, eval_rows,
                                max_batch_size, network_cost)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def studio(digits):
    s = Studio()
    s.session._data = digits
    assert s.handle({"type": "reset", "config": {"hidden": "32", "batch_size": 64}})["ok"]
    return s


def ask(studio, kind, **args):
    answer = studio.handle({"type": kind, **args})
    assert answer["ok"], answer
    return answer


def test_the_default_network_fits_and_the_issue_s_oversized_ones_do_not():
    default = pynn.TrainingConfig()
    assert estimate_step_ms(config_cost(default), default.batch_size) <= STEP_BUDGET_MS
    for hidden in ("2800", "4096", "2048,2048", ",".join(["4096"] * 8)):
        config = default.update({"hidden": hidden})
        assert estimate_step_ms(config_cost(config), config.batch_size) > STEP_BUDGET_MS
    assert config_cost(default) == network_cost(default.build_network())


@pytest.mark.parametrize("hidden, batch, fields", [
    ("2800", "64", {"hidden", "batch_size"}),           # fits with a batch of 4: both named
    (",".join(["4096"] * 8), "1", {"hidden"}),          # too big even one example at a time
    ("2048", "64", {"hidden", "batch_size"}),
])
def test_the_form_is_told_which_fields_make_the_network_too_big(studio, hidden, batch, fields):
    answer = ask(studio, "check_config", config={"hidden": hidden, "batch_size": batch})
    assert answer["valid"] is False and set(answer["errors"]) == fields
    message = answer["errors"]["hidden"]
    assert message.startswith("Too big") and "Pause, Stop and drawing" in message
    assert "parameters" in message and "_" not in message   # the page's words, no Python names
    if "batch_size" in fields:
        largest = max_batch_size(config_cost(pynn.TrainingConfig(hidden=hidden)))
        assert answer["errors"]["batch_size"].startswith(f"At most {largest} ")
        fits = ask(studio, "check_config", config={"hidden": hidden, "batch_size": str(largest)})
        assert fits["valid"] and fits["needs_reset"]


def test_too_big_is_refused_by_reset_set_config_and_load_model_and_changes_nothing(studio, tmp_path):
    before = studio.network
    for kind, args in [("reset", {"config": {"hidden": "2800"}}),
                       ("set_config", {"config": {"batch_size": "65536"}})]:
        answer = studio.handle({"type": kind, **args})
        assert answer["ok"] is False and "Too big" in answer["error"] or "At most" in answer["error"]
        assert studio.network is before
    big = pynn.TrainingConfig(hidden=(2800,)).build_network()
    answer = studio.handle({"type": "load_model", "data": pynn.io.to_bytes(big), "name": "big.npz"})
    assert answer["ok"] is False and answer["error"].startswith("big.npz cannot be used in the studio: Too big")
    assert studio.network is before


def test_a_replaced_network_is_let_go(studio):
    ask(studio, "reset", config={"hidden": "640", "batch_size": "32"})
    old = weakref.ref(studio.network)
    ask(studio, "train")
    ask(studio, "train_slice", budget_ms=1)
    ask(studio, "report", budget_ms=1e-6)   # a report half-way holds the network too
    assert studio.session.report_job is not None
    ask(studio, "reset", config={"hidden": "16"})
    gc.collect()
    assert old() is None


def test_the_report_is_computed_in_pieces_that_fit_the_budget(studio):
    ask(studio, "reset", config={"hidden": "640", "batch_size": "32"})
    rows = eval_rows(network_cost(studio.network))
    assert rows < len(studio.session.data.X_test)
    pieces = 0
    while True:
        pieces += 1
        answer = ask(studio, "report", budget_ms=1e-6)   # one piece per call
        if not answer.get("pending"):
            break
    assert pieces == -(-len(studio.session.data.X_test) // rows)
    whole = ask(studio, "report")
    assert answer["test_accuracy"] == whole["test_accuracy"] and answer["predicted"] == whole["predicted"]


def test_a_report_started_for_an_old_network_is_not_finished_on_the_new_one(studio):
    ask(studio, "reset", config={"hidden": "640", "batch_size": "32"})
    assert ask(studio, "report", budget_ms=1e-6)["pending"]
    ask(studio, "reset", config={"hidden": "8"})
    assert studio.session.report_job is None
    answer = ask(studio, "report")
    assert answer["test_accuracy"] == pytest.approx(
        np.mean(studio.network.predict(studio.session.data.X_test) == studio.session.data.y_test))


def test_a_slice_at_an_epoch_end_validates_one_piece_at_a_time(studio, digits):
    ask(studio, "reset", config={"hidden": "640", "batch_size": "32", "epochs": "1"})
    rows = eval_rows(network_cost(studio.network))
    assert rows < len(digits.X_val)
    ask(studio, "train")
    slices = 0
    while True:
        slices += 1
        answer = ask(studio, "train_slice", budget_ms=1e-6)   # one batch or one piece per slice
        if [e for e in answer["events"] if e["type"] == "epoch"]:
            break
    n_batches = -(-len(digits.X_train) // 32)
    pieces = -(-len(digits.X_val) // rows)   # of the validation digits; as many of the training digits
    untrained = 2 * pieces                  # the fresh network, measured before its first batch
    assert slices == untrained + n_batches + pieces + 1 + (pieces - 1)   # + the epoch's end, measured


SLOW_RELU = '''
import time
import numpy as np
from pynn import Layer


class ReLU(Layer):
    """Correct, but it dawdles on whole batches (the lab's checks use small ones)."""

    def forward(self, input):
        if len(input) >= 16:
            time.sleep(0.6)
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        return grad_output * (input > 0)
'''


def test_learner_layers_slow_enough_to_hold_up_the_page_are_refused_with_a_batch_that_fits():
    s = Studio()
    before = s.session.network
    answer = s.handle({"type": "use_lab_layers", "layers": [{"exercise": "relu", "code": SLOW_RELU}]})
    assert answer["ok"] is False
    assert "Your layers make a training step" in answer["error"] and "as long as pynn's" in answer["error"]
    assert "batch size 64" in answer["error"] and "under 200 ms" in answer["error"]
    assert "make your layers faster" in answer["error"]
    if "at most" in answer["error"]:       # natively pynn's step is so quick that none fits
        assert 0 < int(answer["error"].split("batch size of at most ")[1].split(",")[0]) < 64
    assert s.session.network is before       # nothing changed


def test_learner_layers_as_fast_as_pynns_are_taken():
    code = (ROOT / "tests" / "lab_solutions" / "my_layers.py").read_text()
    s = Studio()
    answer = s.handle({"type": "use_lab_layers", "layers": [{"exercise": "relu", "code": code},
                                                            {"exercise": "dense", "code": code}]})
    assert answer["ok"], answer
    assert "your Dense" in answer["model"]["summary"]


class TimedNet:
    """A stand-in network whose training step takes ``seconds`` and counts its steps."""
    input_shape, n_classes = (4,), 2

    def __init__(self, seconds, steps):
        self.seconds, self.steps = seconds, steps

    def __deepcopy__(self, memo):
        return self        # copies share the counter

    def train_step(self, x, y):
        import time

        self.steps.append(self.seconds)
        time.sleep(self.seconds)


@pytest.mark.native_only(reason="sleeps to stand for a slow step")
def test_the_learners_slowdown_times_the_reference_over_as_long_a_window():
    from pynn.studio.limits import step_slowdown

    learner, reference = TimedNet(0.04, []), TimedNet(0.004, [])
    slowdown = step_slowdown(learner, reference, batch_size=2)
    assert 5 < slowdown < 20                        # 10, give or take the sleeps' overshoot
    assert len(learner.steps) == 6                  # a first guess, then 5 windows of one step
    assert len(reference.steps) >= 1 + 5 * 5        # ... each followed by ~10 reference steps


def test_the_slowdown_is_timed_without_garbage_collection_and_leaves_it_as_it_was():
    import gc

    from pynn.studio.limits import step_slowdown

    seen = []

    class Watching(TimedNet):
        def train_step(self, x, y):
            seen.append(gc.isenabled())

    assert gc.isenabled()
    step_slowdown(Watching(0, []), Watching(0, []), batch_size=2)
    assert seen and not any(seen) and gc.isenabled()
