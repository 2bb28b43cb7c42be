"""The studio's training run, as the worker drives it through the bridge: train / pause /
resume / step / stop and train_slice, the events each answer carries, and the figures."""

import numpy as np
import pytest

import pynn
from pynn.studio.bridge import Studio
from pynn.studio import NetworkLog, TrainingRun

SMALL = {"hidden": "32", "epochs": 2, "batch_size": 128, "dropout": 0, "shift": 0}
N_BATCHES = 63   # ceil(8000 / 128)
TINY_MS = 1e-6   # a slice this short trains exactly one batch


@pytest.fixture
def studio(digits):
    s = Studio()
    s.session._data = digits   # the shared copy: no need to unpack it for every test
    assert s.handle({"type": "reset", "config": SMALL})["ok"]
    return s


def ask(studio, kind, **args):
    answer = studio.handle({"type": kind, **args})
    assert answer["ok"], answer
    return answer


def of(answer, kind):
    return [event for event in answer["events"] if event["type"] == kind]


def changes(answer):
    return [(e["state"], e["reason"]) for e in of(answer, "training")]


def start(studio):
    """Train a fresh network: the run measures the untrained network first (one slice)."""
    answer = ask(studio, "train")
    measured = ask(studio, "train_slice", budget_ms=10_000)
    assert [e["type"] for e in measured["events"]] == ["untrained"]
    return answer


def test_a_fresh_network_is_measured_before_its_first_batch_and_at_each_epoch_end(studio):
    ask(studio, "train")
    first = ask(studio, "train_slice", budget_ms=10_000)
    (untrained,) = first["events"]            # no batch yet: only the starting point
    assert untrained["type"] == "untrained" and untrained["at"] == 0
    assert 0.02 < untrained["val_accuracy"] < 0.3 and 0.02 < untrained["train_measured_accuracy"] < 0.3
    assert untrained["val_loss"] > 2 and studio.run.batches == 0
    (epoch,) = of(ask(studio, "train_slice", budget_ms=10_000), "epoch")
    measured = pynn.metrics.loss_and_accuracy(studio.network.logits(studio.data.X_train[:1000]),
                                              studio.data.y_train[:1000])
    assert (epoch["train_measured_loss"], epoch["train_measured_accuracy"]) == pytest.approx(measured)
    assert epoch["train_measured_accuracy"] > epoch["accuracy"]   # the running figure lags
    batches = studio.run.batches
    assert not ask(studio, "train_slice", budget_ms=TINY_MS)["events"]   # measured once: it trains on
    assert studio.run.batches == batches + 1
    ask(studio, "stop")
    ask(studio, "train")   # a network that has trained is not measured again before its run
    assert of(ask(studio, "train_slice", budget_ms=TINY_MS), "progress")[0]["at"] == [pytest.approx(1 + 2 / N_BATCHES)]


def test_stopping_while_an_epoch_is_measured_still_reports_the_epoch(studio):
    ask(studio, "reset", config={"hidden": "640", "batch_size": "32", "epochs": "3"})   # measured in pieces
    start(studio)
    while studio.run.log.epochs_done == 0:   # one batch or one piece per slice (250 batches)
        assert not of(ask(studio, "train_slice", budget_ms=TINY_MS), "epoch")
    stopped = ask(studio, "stop")
    assert [e["type"] for e in stopped["events"]] == ["epoch", "progress", "training"]
    (epoch,) = of(stopped, "epoch")
    assert epoch["epoch"] == 1 and epoch["val_accuracy"] > 0.5
    assert epoch["train_measured_accuracy"] is None and epoch["train_measured_loss"] is None
    assert changes(stopped) == [("idle", "stopped")]


def test_train_pause_resume_step_stop(studio):
    answer = start(studio)
    assert answer["state"] == "running" and changes(answer) == [("running", "started")]
    ask(studio, "train_slice", budget_ms=TINY_MS)
    paused = ask(studio, "pause")
    assert paused["state"] == "paused" and changes(paused) == [("paused", "paused")]
    assert [e["type"] for e in paused["events"]] == ["progress", "training"]   # progress first
    idle_slice = ask(studio, "train_slice")
    assert idle_slice["state"] == "paused" and idle_slice["events"] == []   # paused: nothing
    assert changes(ask(studio, "resume")) == [("running", "resumed")]
    assert changes(ask(studio, "step")) == [("running", "step")]
    stepped = ask(studio, "train_slice", budget_ms=10_000)
    assert [e["type"] for e in stepped["events"]] == ["progress", "epoch", "training"]
    assert changes(stepped) == [("paused", "step")] and stepped["state"] == "paused"
    assert of(stepped, "epoch")[0]["epoch"] == 1 and of(stepped, "progress")[0]["batch"] == N_BATCHES
    stopped = ask(studio, "stop")
    assert stopped["state"] == "idle" and changes(stopped) == [("idle", "stopped")]
    assert studio.run is None and ask(studio, "info")["model"]["epochs_done"] == 1


def test_progress_tells_where_the_run_is_and_how_fast_it_goes(studio):
    start(studio)
    first = ask(studio, "train_slice", budget_ms=TINY_MS)
    (progress,) = of(first, "progress")   # the first slice always reports
    assert progress["losses"] and len(progress["losses"]) == len(progress["at"]) == 1
    assert progress["at"] == [pytest.approx(1 / N_BATCHES)] and progress["smoothed"] == progress["losses"]
    assert (progress["run_epoch"], progress["epochs"], progress["batch"], progress["n_batches"]) == (1, 2, 1, N_BATCHES)
    assert (progress["run_done"], progress["run_total"], progress["epochs_done"]) == (1, 2 * N_BATCHES, 0)
    assert progress["examples_per_s"] > 0 and progress["eta_s"] > 0
    quiet = ask(studio, "train_slice", budget_ms=TINY_MS)
    assert quiet["events"] == []   # at most one progress event every 0.1 s
    flushed = of(ask(studio, "pause"), "progress")[0]
    assert flushed["run_done"] == 2 and flushed["at"] == [pytest.approx(2 / N_BATCHES)]


def test_slices_stop_at_epoch_ends_and_the_run_finishes_after_its_last_epoch(studio):
    start(studio)
    one = ask(studio, "train_slice", budget_ms=10_000)
    assert one["state"] == "running" and changes(one) == []
    at = [x for e in of(one, "progress") for x in e["at"]]
    assert len(at) == N_BATCHES and at[-1] == pytest.approx(1.0)   # not a batch further
    epoch = of(one, "epoch")[0]
    assert (epoch["epoch"], epoch["run_epoch"], epoch["epochs"]) == (1, 1, 2)
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(epoch)
    two = ask(studio, "train_slice", budget_ms=10_000)
    assert [e["type"] for e in two["events"]][-2:] == ["epoch", "training"]
    assert two["state"] == "idle" and changes(two) == [("idle", "finished")]
    last = of(two, "progress")[-1]
    assert last["run_done"] == last["run_total"] == 2 * N_BATCHES and last["eta_s"] == 0
    assert studio.run is None and ask(studio, "info")["model"]["epochs_done"] == 2
    after = ask(studio, "train_slice")
    assert after["state"] == "idle" and after["events"] == []


def test_the_time_line_only_grows_across_stopped_runs_and_changed_settings(studio):
    """The charts' x (``at``): the epochs' worth of batches this network has trained, so a
    run stopped half-way and a new run after a settings change continue it, never go back."""
    start(studio)
    first = []
    for _ in range(40):   # 40 of the epoch's 63 batches, then Stop
        first += [x for e in of(ask(studio, "train_slice", budget_ms=TINY_MS), "progress") for x in e["at"]]
    first += [x for e in of(ask(studio, "stop"), "progress") for x in e["at"]]
    assert len(first) == 40 and first[-1] == pytest.approx(40 / N_BATCHES)
    ask(studio, "set_config", config={"lr": "0.01", "batch_size": "64"})   # 125 batches an epoch
    ask(studio, "train")
    second = []
    for _ in range(200):
        answer = ask(studio, "train_slice", budget_ms=50)
        second += [x for e in of(answer, "progress") for x in e["at"]]
        epochs = of(answer, "epoch")
        if epochs:
            break
    xs = first + second
    assert all(b > a for a, b in zip(xs, xs[1:]))
    assert second[0] == pytest.approx(first[-1] + 1 / 125)
    assert epochs[0]["epoch"] == 1 and epochs[0]["at"] == pytest.approx(first[-1] + 1)


def test_a_second_run_continues_the_epoch_count_and_the_smoothed_loss(studio):
    studio.handle({"type": "set_config", "config": {"epochs": 1}})
    start(studio)
    one = ask(studio, "train_slice", budget_ms=10_000)
    assert changes(one) == [("idle", "finished")] and of(one, "epoch")[0]["epoch"] == 1
    smoothed = [x for e in of(one, "progress") for x in e["smoothed"]]
    losses = [x for e in of(one, "progress") for x in e["losses"]]
    assert np.all(np.isfinite(smoothed)) and np.std(smoothed) < np.std(losses)
    ask(studio, "train")
    two = of(ask(studio, "train_slice", budget_ms=TINY_MS), "progress")[0]
    assert two["at"] == [pytest.approx(1 + 1 / N_BATCHES)] and two["epochs_done"] == 1
    assert abs(two["smoothed"][0] - smoothed[-1]) < abs(two["losses"][0] - smoothed[-1]) + 1e-9
    assert ask(studio, "reset")["model"]["epochs_done"] == 0


@pytest.mark.parametrize("presses", [["stop"], ["pause"], ["resume"], ["stop", "stop"],
                                     ["pause", "pause"], ["resume", "resume"]])
def test_commands_that_do_not_apply_are_harmless(studio, presses):
    for kind in presses:   # idle
        answer = ask(studio, kind)
        assert answer["state"] == "idle" and answer["events"] == []
    ask(studio, "train")
    run = studio.run
    first = ask(studio, presses[0])   # resume while running: nothing to do
    assert len(first["events"]) == (presses[0] != "resume") * 2   # progress, training
    for kind in presses[1:]:
        again = ask(studio, kind)   # pressed twice: changes nothing
        assert again["events"] == [] and again["state"] == first["state"]
    if first["state"] != "idle":
        again = ask(studio, "train")   # Train during a run: changes nothing
        assert again["events"] == [] and studio.run is run
        ask(studio, "stop")


@pytest.mark.parametrize("kind", ["reset", "load_model", "load_csv", "use_digits"])
def test_replacing_the_network_or_the_data_ends_the_run_and_says_so(studio, digits, kind):
    saved = ask(studio, "save_model")["data"]
    header = "label," + ",".join(f"p{i}" for i in range(784))
    rows = [f"{y}," + ",".join(["0"] * 784) for y in digits.y_train[:20]]
    args = {"reset": {}, "load_model": {"data": saved}, "use_digits": {},
            "load_csv": {"data": "\n".join([header, *rows]).encode()}}[kind]
    ask(studio, "train")
    ask(studio, "train_slice", budget_ms=TINY_MS)
    answer = ask(studio, kind, **args)
    assert answer["state"] == "idle" and changes(answer) == [("idle", "replaced")]
    assert [e["type"] for e in answer["events"]] == ["progress", "training"]
    what = {"reset": "a new network", "load_model": "the model", "load_csv": "new data",
            "use_digits": "new data"}[kind]
    assert what in of(answer, "training")[0]["message"]   # the page says what ended the run
    assert studio.run is None
    assert ask(studio, kind, **args)["events"] == []   # no run to end: nothing said


def test_divergence_ends_the_run_and_puts_the_good_weights_back(studio):
    ask(studio, "reset", config={"hidden": "100,200", "optimizer": "sgd", "lr": 10000, "epochs": 3})
    before = studio.network.state_dict()
    start(studio)
    with np.errstate(all="ignore"):
        answer = ask(studio, "train_slice", budget_ms=10_000)
    assert answer["state"] == "idle" and changes(answer) == [("idle", "diverged")]
    assert "training diverged at epoch 1" in of(answer, "training")[0]["message"]
    assert all(np.array_equal(before[k], v) for k, v in studio.network.state_dict().items())
    assert studio.run is None and ask(studio, "info")["model"]["epochs_done"] == 0
    assert ask(studio, "report")["ok"]


def test_live_settings_reach_the_network_mid_run(studio):
    start(studio)
    ask(studio, "set_config", config={"lr": 0.0123, "epochs": 7})
    assert studio.network.optimizer.lr == 0.0123
    progress = of(ask(studio, "train_slice", budget_ms=TINY_MS), "progress")[0]
    assert progress["epochs"] == 2   # epochs apply from the next run
    ask(studio, "stop")
    ask(studio, "train")
    assert studio.run.epochs == 7


def test_a_run_that_cannot_start_changes_nothing(studio, monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pynn.studio.run, "train_steps", no_memory)
    answer = studio.handle({"type": "train"})
    assert answer["ok"] is False and "out of memory" in answer["error"]
    assert studio.run is None and studio.session.runs_started == 0


def test_an_unexpected_failure_inside_a_slice_ends_the_run_with_its_reason(studio, monkeypatch):
    start(studio)

    def broken(x, y):
        raise RuntimeError("a bug")

    monkeypatch.setattr(studio.network, "_train_batch", broken)
    answer = ask(studio, "train_slice")
    assert answer["state"] == "idle" and changes(answer) == [("idle", "error")]
    assert "RuntimeError: a bug" in of(answer, "training")[0]["message"]


def test_speed_and_time_left_count_only_the_time_inside_slices(digits):
    class Clock:   # 10 ms pass on every reading; pauses are whatever the test adds
        now = 0.0

        def __call__(self):
            self.now += 0.01
            return self.now

    clock = Clock()
    config = pynn.TrainingConfig(hidden=(8,), epochs=1, batch_size=1000, dropout=0, shift=0)
    # a network that has trained an epoch: no measuring before its first batch
    run = TrainingRun(config.build_network(), digits, config, NetworkLog(1), 0, clock=clock)
    run.start()
    run.slice(0.05)
    first = run.progress()
    clock.now += 3600   # an hour paused: not training time
    run.slice(0.05)
    second = run.progress()
    assert second["run_done"] > first["run_done"] and second["eta_s"] < first["eta_s"] < 1
    assert second["examples_per_s"] == pytest.approx(first["examples_per_s"], rel=0.5)
