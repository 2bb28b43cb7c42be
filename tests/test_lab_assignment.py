"""The whole assignment in the lab: the function exercises (forward, predict, train,
iterate_minibatches), the optimizer exercise, and the assignment's training loop run from the
learner's own code, each piece theirs only when it passes its checks."""

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest

import pynn
import pynn.lab
from pynn.lab import LearnerCodeError
from pynn.lab.assignment_run import (PARTS, AssignmentBatch, AssignmentEpoch, assignment_steps,
                                     build_network, learner_parts, pynn_parts, reference_steps)
from pynn.lab.reference_layers import SelfUpdating

SOLUTIONS = Path(__file__).parent / "lab_solutions"
NOTEBOOK = (SOLUTIONS / "notebook_assignment.py").read_text()
MY_LAYERS = (SOLUTIONS / "my_layers.py").read_text()
NEW_EXERCISES = ("forward", "predict", "train", "iterate_minibatches", "optimizer")
WRONG = sorted(path for path in (SOLUTIONS / "wrong").glob("*.py")
               if path.name.startswith(NEW_EXERCISES))


def failed(report) -> list[str]:
    return [result.name for result in report.results if not result.passed]


def details(report) -> dict[str, str]:
    return {result.name: result.detail for result in report.results}


# -- the exercises ---------------------------------------------------------------------------

@pytest.mark.parametrize("exercise_id", NEW_EXERCISES)
def test_each_new_exercise_passes_its_solution_and_fails_its_starter(exercise_id):
    exercise = pynn.lab.get(exercise_id)
    report = exercise.check(exercise.solution)
    assert report.passed, str(report)
    assert not exercise.check(exercise.starter).passed
    assert "TODO" in exercise.starter


@pytest.mark.parametrize("exercise_id", ["relu", "dense", "softmax", "forward", "predict", "train",
                                         "iterate_minibatches"])
def test_the_whole_assignment_in_one_file_the_notebooks_way_passes_every_exercise(exercise_id):
    report = pynn.lab.check(exercise_id, NOTEBOOK, filename="notebook_assignment.py")
    assert report.passed, str(report)


@pytest.mark.parametrize("path", WRONG, ids=[path.stem for path in WRONG])
def test_each_wrong_answer_fails_the_check_its_header_names(path):
    lines = dict(line.lstrip("# ").partition(": ")[::2] for line in path.read_text().splitlines()[:2])
    report = pynn.lab.check(lines["exercise"], path.read_text(), filename=path.name)
    assert not report.passed and lines["caught by"] in failed(report), str(report)


def test_train_says_what_it_returned_and_which_input_a_layer_got():
    wrong = SOLUTIONS / "wrong"
    summed = pynn.lab.check("train", (wrong / "train_returns_the_sum.py").read_text())
    assert "the sum of the 6 losses" in details(summed)["returns the mean loss of the batch"]
    shifted = pynn.lab.check("train", (wrong / "train_passes_activations_not_inputs.py").read_text())
    assert "own output" in details(shifted)["each backward gets its layer's input"]
    undivided = pynn.lab.check("train", (wrong / "train_gradient_not_divided.py").read_text())
    assert "divide by the batch size" in details(undivided)[
        "each backward gets the gradient of its layer's output"]


def test_train_may_use_the_given_loss_functions_from_pynn_but_must_be_written_by_the_learner():
    solution = pynn.lab.get("train").solution
    assert "from pynn import softmax_crossentropy_with_logits" in solution
    assert pynn.lab.check("train", solution).passed
    assert not pynn.lab.check("train", "from pynn import train\n").passed
    assert not pynn.lab.check("train", pynn.train).passed


def test_train_is_checked_with_the_labs_layers_not_the_learners():
    broken_dense = NOTEBOOK.replace("grad_weights = np.dot(input.T, grad_output)",
                                    "grad_weights = np.dot(input.T, grad_output) * 0")
    assert not pynn.lab.check("dense", broken_dense).passed
    assert pynn.lab.check("train", broken_dense).passed


def test_the_minibatch_checks_leave_numpys_random_state_as_it_was():
    np.random.seed(123)
    expected = np.random.get_state()[1].copy()
    pynn.lab.check("iterate_minibatches", NOTEBOOK)
    pynn.lab.check("iterate_minibatches", (SOLUTIONS / "wrong" / "iterate_minibatches_seeds_inside.py").read_text())
    assert np.array_equal(np.random.get_state()[1], expected)


def test_a_notebook_function_is_checked_like_code():
    namespace = pynn.lab.run_code(NOTEBOOK, "notebook_assignment.py")
    for name in ("forward", "predict", "train", "iterate_minibatches"):
        assert pynn.lab.check(name, namespace[name]).passed, name


# -- the assignment run ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def digits():
    X_train, y_train, X_val, y_val, *_ = pynn.load_digits()
    return X_train, y_train, X_val, y_val


TINY = {"epochs": 2, "batch_size": 32, "hidden": (16,), "seed": 0}


def tiny(digits):
    X_train, y_train, X_val, y_val = digits
    return X_train[:200], y_train[:200], X_val[:100], y_val[:100]


def test_the_learners_whole_file_gives_every_part_to_the_learner():
    parts = learner_parts(NOTEBOOK)
    assert parts.theirs == tuple(part.name for part in PARTS)
    assert parts.model_line() == ("your ReLU, your Dense, your loss, your forward, your predict, "
                                  "your train, your iterate_minibatches")


def test_a_part_that_fails_its_checks_is_pynns_and_says_why():
    averaging = NOTEBOOK.replace("grad_weights = np.dot(input.T, grad_output)",
                                 "grad_weights = np.dot(input.T, grad_output) / input.shape[0]")
    parts = learner_parts(averaging)
    assert parts.whose()["Dense"] == "pynn's" and parts.whose()["train"] == "yours"
    assert "pynn's Dense" in parts.model_line()
    assert parts.why_not["Dense"].startswith("it does not pass the dense checks yet")
    assert parts.objects["Dense"] is pynn_parts().objects["Dense"]


def test_only_what_the_file_defines_is_the_learners_and_their_functions_use_the_runs_parts():
    only_train = pynn.lab.get("train").solution        # imports pynn's forward and loss
    parts = learner_parts(only_train)
    assert parts.theirs == ("train",)
    assert parts.why_not["forward"] == "your file does not define forward"
    broken_forward = NOTEBOOK.replace("activations.append(X)", "activations.append(X * 1.5)")
    parts = learner_parts(broken_forward)
    assert "forward" not in parts.theirs
    assert parts.objects["train"].__globals__["forward"] is pynn.assignment.forward


def test_a_file_that_does_not_run_is_a_learner_code_error():
    with pytest.raises(LearnerCodeError, match="ZeroDivisionError"):
        learner_parts("1 / 0\n")


def test_the_run_yields_every_batch_then_the_epoch_in_order(digits):
    events = list(assignment_steps(learner_parts(NOTEBOOK), *tiny(digits), **TINY))
    n_batches = 200 // 32
    assert len(events) == 2 * (n_batches + 1)
    for epoch in (1, 2):
        chunk = events[(epoch - 1) * (n_batches + 1):epoch * (n_batches + 1)]
        assert [e.batch for e in chunk[:-1]] == list(range(1, n_batches + 1))
        assert all(isinstance(e, AssignmentBatch) and e.epoch == epoch for e in chunk[:-1])
        assert isinstance(chunk[-1], AssignmentEpoch) and chunk[-1].epoch == epoch
        assert 0 <= chunk[-1].val_accuracy <= 1 and chunk[-1].train_examples == 200
        assert chunk[-2].running_loss == pytest.approx(np.mean([e.loss for e in chunk[:-1]]))
    assert events[0].to_dict()["type"] == "batch" and events[-1].to_dict()["type"] == "epoch"


def test_the_run_stops_mid_epoch_and_leaves_the_callers_random_state_alone(digits):
    np.random.seed(5)
    expected = np.random.get_state()[1].copy()
    steps = assignment_steps(learner_parts(NOTEBOOK), *tiny(digits), **TINY)
    first = list(itertools.islice(steps, 3))
    steps.close()
    assert [event.batch for event in first] == [1, 2, 3]
    assert np.array_equal(np.random.get_state()[1], expected)


def test_correct_learner_code_trains_exactly_like_the_reference(digits):
    mine = list(assignment_steps(learner_parts(NOTEBOOK), *tiny(digits), **TINY))
    reference = list(reference_steps(*tiny(digits), **TINY))
    assert [e.loss for e in mine] == pytest.approx([e.loss for e in reference], rel=1e-9)


def test_a_pynn_way_dense_takes_its_step_after_backward_in_the_run(digits):
    code = MY_LAYERS + "\n\n" + NOTEBOOK[NOTEBOOK.index("def forward(network"):]   # params/grads layers
    parts = learner_parts(code)
    assert "Dense" in parts.theirs, parts.why_not
    network = build_network(parts, (784, 8, 10), 0.1, 0)
    assert isinstance(network[0], SelfUpdating) and network[0].steps
    assert isinstance(network[1], SelfUpdating) and not network[1].steps   # ReLU: nothing to step
    events = [e for e in assignment_steps(parts, *tiny(digits), **TINY) if isinstance(e, AssignmentEpoch)]
    assert events[-1].loss < events[0].loss


@pytest.mark.native_only(reason="three epochs on 2000 digits, twice: ~4 s")
def test_the_learners_run_reaches_the_references_accuracy(digits):
    X_train, y_train, X_val, y_val = digits
    recipe = {"epochs": 3, "hidden": (64,), "seed": 1}
    data = (X_train[:2000], y_train[:2000], X_val, y_val)
    wrong_order = NOTEBOOK.replace("order = np.random.permutation(len(inputs)) if shuffle",
                                   "order = np.random.permutation(len(inputs))[::-1] if shuffle")
    mine = list(assignment_steps(learner_parts(wrong_order), *data, **recipe))[-1]
    reference = list(reference_steps(*data, **recipe))[-1]
    assert reference.val_accuracy > 0.8
    assert abs(mine.val_accuracy - reference.val_accuracy) < 0.03


# -- the run in the page: both runs in turns, a slice at a time --------------------------------

from pynn.data import load_digits  # noqa: E402
from pynn.lab.assignment_slices import TRAIN_DIGITS, PairedRun, parts_from_files, recipe_line  # noqa: E402
from pynn.lab.bridge import LabBridge  # noqa: E402

PUBLISHED = (SOLUTIONS / "notebook" / "as_published.py").read_text()


def test_each_part_comes_from_its_exercises_file_and_says_why_when_it_is_pynns():
    parts = parts_from_files({"relu": PUBLISHED, "dense": PUBLISHED, "train": NOTEBOOK, "softmax": "1 / 0\n"})
    assert parts.theirs == ("ReLU", "train")
    assert parts.why_not["Dense"].startswith("it does not pass the dense checks yet")
    assert parts.why_not["loss"].startswith("your softmax file does not run (ZeroDivisionError")
    assert parts.why_not["forward"] == "you have not written the forward exercise yet"
    everything = parts_from_files({part.exercise: NOTEBOOK for part in PARTS})
    assert everything.theirs == tuple(part.name for part in PARTS)


def test_the_recipe_line_names_the_notebooks_network_and_the_training_digits():
    assert recipe_line() == "784-100-200-10, ReLU, SGD at 0.1, batch 32, 8000 training digits"
    assert len(load_digits().X_train) == TRAIN_DIGITS


class Clock:
    """A clock that moves 1/128 s (~7.8 ms, exact in binary) each time it is read."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 1 / 128
        return self.now


def test_slices_advance_both_runs_in_turns_and_end_with_a_verdict(digits):
    run = PairedRun(learner_parts(NOTEBOOK), *tiny(digits), epochs=2, hidden=(16,), clock=Clock())
    answers = []
    while not (answers[-1]["done"] if answers else False):
        answers.append(run.slice(20))
        mine, reference = (max((e["at"] for a in answers for e in a["events"] if e["whose"] == w), default=0)
                           for w in ("yours", "pynn's"))
        assert abs(mine - reference) <= 1 / 6 + 1e-9     # never more than a batch apart
    assert all(0 < len(a["events"]) <= 3 for a in answers[:-1])  # 20 ms of a clock read once a step
    assert len(answers[-1]["events"]) <= 3
    epochs = [e for a in answers for e in a["events"] if e["type"] == "epoch"]
    assert [(e["whose"], e["epoch"]) for e in epochs] == [("yours", 1), ("pynn's", 1), ("yours", 2), ("pynn's", 2)]
    assert answers[-1]["verdict"]["points"] == 0.0
    assert answers[-1]["verdict"]["text"].startswith("your run: ") and "(+0.0 points)" in answers[-1]["verdict"]["text"]


def test_learner_code_that_fails_mid_run_ends_it_with_their_line(digits):
    failing = NOTEBOOK.replace("    return np.mean(loss)", "    assert len(X) < 30, 'a big batch'\n    return np.mean(loss)")
    parts = learner_parts(failing)
    assert "train" in parts.theirs, parts.why_not      # the checks use small batches
    run = PairedRun(parts, *tiny(digits), epochs=1, hidden=(16,))
    answer = run.slice(10_000)
    assert answer["done"] and "a big batch" in answer["error"] and "verdict" not in answer


def test_the_bridge_starts_a_run_slices_it_and_checks_its_arguments():
    bridge = LabBridge()
    assert not bridge.handle({"type": "assignment_slice"})["ok"]
    about = bridge.handle({"type": "exercises"})["assignment"]
    assert about["epochs"] == 10 and [p["exercise"] for p in about["parts"]][:2] == ["relu", "dense"]
    start = bridge.handle({"type": "assignment_start", "files": [{"exercise": "relu", "code": NOTEBOOK}],
                           "epochs": 1, "examples": 64})
    assert start["ok"] and start["n_batches"] == 2 and "64 training digits" in start["recipe"]
    assert start["parts"]["model_line"].startswith("your ReLU, pynn's Dense")
    answers = [bridge.handle({"type": "assignment_slice", "budget_ms": 10_000}) for _ in range(2)]
    assert answers[0]["ok"] and answers[0]["done"] and answers[0]["verdict"]["points"] == 0.0
    for bad in ({"files": [{"exercise": "nope", "code": ""}]}, {"files": [], "epochs": 0},
                {"files": [], "examples": 10**6}, {"files": "relu"}):
        assert not bridge.handle({"type": "assignment_start", **bad})["ok"], bad
    assert not bridge.handle({"type": "assignment_slice", "budget_ms": 0})["ok"]


def test_the_last_slice_reports_the_learners_network_on_the_validation_digits(digits):
    X_train, y_train, X_val, y_val = tiny(digits)
    parts, seen = learner_parts(NOTEBOOK), {}
    predict = parts.objects["predict"]

    def watched(network, X):          # the learner's network, as the run's accuracy step sees it
        seen["network"] = network
        return predict(network, X)

    run = PairedRun(dataclasses.replace(parts, objects={**parts.objects, "predict": watched}),
                    X_train, y_train, X_val, y_val, epochs=2, hidden=(16,))
    answers = []
    while not (answers[-1]["done"] if answers else False):
        answers.append(run.slice(10_000))
    report, last = answers[-1]["report"], run.last_epoch["yours"]
    confusion = np.array(report["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == report["n"] == len(y_val)
    assert np.trace(confusion) == report["right"] == round(last["val_accuracy"] * len(y_val))
    assert report["epoch"] == 2
    assert all(sum(row) in range(98, 103) for row, n in zip(report["confusion_percent"], confusion.sum(1)) if n)
    predicted = np.asarray(predict(seen["network"], X_val))
    wrong = np.flatnonzero(predicted != y_val)
    assert 0 < len(wrong) and report["n_mistakes"] == len(wrong) and report["mistakes"] == wrong[:24].tolist()
    assert report["mistakes_true"] == y_val[wrong[:24]].tolist()
    assert report["mistakes_predicted"] == predicted[wrong[:24]].tolist()
    assert report["side"] == 28 and len(report["pictures"]) == len(report["mistakes"]) * 28 * 28
    first = np.frombuffer(report["pictures"], np.uint8)[:784]
    assert np.array_equal(first, np.round(X_val[wrong[0]] * 255).astype(np.uint8))


def test_a_report_comes_with_each_of_the_learners_epochs_so_stop_can_show_the_last(digits):
    run = PairedRun(learner_parts(NOTEBOOK), *tiny(digits), epochs=2, hidden=(16,))
    assert "report" not in run.slice(0)                  # no epoch yet
    reported = []
    while not run.done:
        answer = run.slice(0)
        if any(e["type"] == "epoch" and e["whose"] == "yours" for e in answer["events"]):
            reported.append(answer["report"]["epoch"])
    assert reported == [1, 2] and "report" in answer     # and again with the verdict
