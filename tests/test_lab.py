"""The lab's exercises and checks: correct answers pass every check, typical mistakes fail the
check that names them, and errors point at the learner's own lines."""

import re
from pathlib import Path

import numpy as np
import pytest

import pynn.lab
from pynn.lab import LearnerCodeError, run_code
from pynn.registry import LAYER_TYPES

SOLUTIONS = Path(__file__).parent / "lab_solutions"
MY_LAYERS = (SOLUTIONS / "my_layers.py").read_text()


def results(report) -> dict[str, object]:
    return {result.name: result for result in report.results}


def failed(report) -> list[str]:
    return [result.name for result in report.results if not result.passed]


EXERCISES = pynn.lab.all_exercises()


def test_the_exercises_come_in_the_assignments_order():
    orders = [exercise.order for exercise in EXERCISES.values()]
    assert orders == sorted(orders) and len(EXERCISES) >= 5


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_every_exercise_shows_a_starter_with_todos_and_replaces_only_a_pynn_layer(exercise_id):
    exercise = EXERCISES[exercise_id]
    shown = exercise.to_dict()
    assert shown["id"] == exercise_id and shown["title"] and shown["statement"]
    assert "TODO" in shown["starter"] and shown["trainable"] == (exercise.replaces is not None)
    assert exercise.replaces is None or exercise.replaces in LAYER_TYPES


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_every_exercises_solution_passes_its_checks_and_its_starter_does_not(exercise_id):
    exercise = EXERCISES[exercise_id]
    if exercise.solution is None:   # an open exercise (a layer of your own): no one answer,
        assert exercise.check(exercise.starter).results   # and its starter is a layer too
        return
    report = exercise.check(exercise.solution)
    assert report.passed, str(report)
    assert not exercise.check(exercise.starter).passed


@pytest.mark.parametrize("exercise", ["relu", "dense", "softmax"])   # what my_layers.py answers
def test_correct_answers_pass_every_check(exercise):
    report = pynn.lab.check(exercise, MY_LAYERS)
    assert report.passed, str(report)
    assert len(report.results) >= 6


def test_a_correct_layer_of_your_own_passes():
    report = pynn.lab.check("own_layer", (SOLUTIONS / "elu.py").read_text())
    assert report.passed, str(report)
    assert "ELU()" in results(report)["builds"].detail


def test_a_learner_s_conv2d_passes_and_a_forgotten_bias_gradient_is_named():
    code = (SOLUTIONS / "my_conv.py").read_text()
    report = pynn.lab.check("conv2d", code)
    assert report.passed, str(report)
    assert "agrees with pynn's layer" in results(report)
    broken = pynn.lab.check("conv2d", code.replace(
        'self.grads["b"] = grad_output.sum(axis=(2, 3)).sum(axis=0)', 'self.grads["b"] = np.zeros(W.shape[0])'))
    assert failed(broken) == ["gradient check: grads['b']", "agrees with pynn's layer"]
    assert "grads['b']" in results(broken)["gradient check: grads['b']"].detail


def test_a_conv2d_that_returns_rows_fails_the_shape_check():
    code = (SOLUTIONS / "my_conv.py").read_text().replace(
        'return out + self.params["b"].reshape(1, -1, 1, 1)', 'return (out + self.params["b"].reshape(1, -1, 1, 1)).reshape(len(out), -1)')
    report = pynn.lab.check("conv2d", code)
    assert failed(report) == ["output shape"]
    assert "expected [2, channels, height, width]" in results(report)["output shape"].detail


def test_a_class_from_a_notebook_is_checked_the_same_way():
    namespace = run_code(MY_LAYERS)
    assert pynn.lab.check("relu", namespace["ReLU"]).passed
    functions = (namespace["softmax_crossentropy_with_logits"], namespace["grad_softmax_crossentropy_with_logits"])
    assert pynn.lab.check("softmax", functions).passed


def test_a_float32_dense_is_checked_in_float64_and_never_fails_on_precision():
    namespace = run_code(MY_LAYERS)
    assert namespace["Dense"](4, 3, rng=0).params["W"].dtype == np.float32
    report = pynn.lab.check("dense", namespace["Dense"])
    assert report.passed, str(report)
    assert float(results(report)["gradient check: grads['W']"].detail.split()[-1]) < 1e-8


def test_a_relu_backward_without_the_mask_fails_the_gradient_check_of_grad_input():
    code = MY_LAYERS.replace("return grad_output * (input > 0)", "return grad_output")
    report = pynn.lab.check("relu", code)
    line = results(report)["gradient check: grad_input"]
    assert not line.passed and "grad_input[" in line.detail and "numerical" in line.detail
    assert "chain rule" in " ".join(line.hints)


def test_a_dense_that_forgets_the_bias_gradient_fails_the_check_naming_the_bias():
    code = MY_LAYERS.replace('self.grads["b"] = grad_output.sum(axis=0)',
                             'self.grads["b"] = np.zeros_like(self.params["b"])')
    report = pynn.lab.check("dense", code)
    assert "gradient check: grads['b']" in failed(report)
    assert "gradient check: grads['W']" not in failed(report)
    assert "parameter 'b'" in " ".join(results(report)["gradient check: grads['b']"].hints)


def test_a_dense_that_updates_its_weights_in_backward_breaks_the_contract():
    code = MY_LAYERS.replace('        return grad_output @ self.params["W"].T',
                             '        grad_input = grad_output @ self.params["W"].T\n'
                             '        self.params["W"] -= 0.1 * self.grads["W"]\n'
                             '        return grad_input')
    line = results(pynn.lab.check("dense", code))["backward keeps the contract"]
    assert not line.passed and "backward changed self.params['W']" in line.detail


def test_an_unstable_softmax_fails_the_stability_checks_only():
    code = MY_LAYERS.replace("shifted = logits - logits.max(axis=1, keepdims=True)", "shifted = logits")
    report = pynn.lab.check("softmax", code)
    assert failed(report) == ["stable for logits +1000", "stable for logits -1000"]
    assert "subtract each row's maximum" in " ".join(results(report)["stable for logits +1000"].hints)


def test_a_syntax_error_shows_the_learners_line():
    code = MY_LAYERS.replace("def forward(self, input):\n        return np.maximum",
                             "def forward(self, input)\n        return np.maximum", 1)
    report = pynn.lab.check("relu", code)
    assert failed(report) == ["your code runs"] and not report.passed
    line_number = code.splitlines().index("    def forward(self, input)") + 1
    assert report.results[0].detail.startswith(f"line {line_number}: SyntaxError")
    assert "def forward(self, input)" in report.results[0].detail


def test_an_error_inside_forward_is_shown_with_the_learners_line_numbers_only():
    code = MY_LAYERS.replace("return np.maximum(0, input)", "return np.maximum(0, inputs)")
    detail = results(pynn.lab.check("relu", code))["output shape"].detail
    line_number = code.splitlines().index("        return np.maximum(0, inputs)") + 1
    assert detail.splitlines() == [f"line {line_number} in forward: return np.maximum(0, inputs)",
                                   "NameError: name 'inputs' is not defined"]


def test_code_that_defines_the_wrong_name_is_told_so():
    report = pynn.lab.check("relu", MY_LAYERS.replace("class ReLU(Layer)", "class MyReLU(Layer)"))
    assert "does not define ReLU" in report.results[0].detail
    with pytest.raises(LearnerCodeError, match="line 1: SyntaxError"):
        run_code("def (:")


def test_a_layer_that_returns_the_wrong_shape_stops_at_the_shape_check():
    code = MY_LAYERS.replace("return np.maximum(0, input)", "return np.maximum(0, input).sum(axis=1)")
    report = pynn.lab.check("relu", code)
    assert failed(report) == ["output shape"] and not report.passed
    assert "returned shape (6,)" in results(report)["output shape"].detail


def test_unknown_exercises_are_named():
    with pytest.raises(ValueError, match=re.escape(f"no exercise 'conv'; there are {', '.join(EXERCISES)}")):
        pynn.lab.check("conv", MY_LAYERS)


def test_code_cannot_import_the_pages_javascript():
    report = pynn.lab.check("relu", "import js\n" + MY_LAYERS)
    assert failed(report) == ["your code runs"]
    assert report.results[0].detail.splitlines() == [
        "line 1 in <module>: import js",
        "ImportError: the lab does not let your code import js: a layer needs only numpy (and pynn)"]
    assert not pynn.lab.check("relu", "from pyodide.ffi import to_js\n" + MY_LAYERS).passed


def test_running_out_of_memory_is_a_readable_failure():
    code = MY_LAYERS.replace("return np.maximum(0, input)", "raise MemoryError")
    detail = results(pynn.lab.check("relu", code))["output shape"].detail
    assert detail == "MemoryError: your code ran out of memory (an array far too big?)"


def test_the_lab_bridge_answers_plain_dicts_and_never_raises():
    from pynn.lab.bridge import LabBridge

    bridge = LabBridge()
    listed = bridge.handle({"type": "exercises"})
    assert listed["ok"] and [e["id"] for e in listed["exercises"]] == list(EXERCISES)
    checked = bridge.handle({"type": "check", "exercise": "dense", "code": MY_LAYERS})
    assert checked["ok"] and checked["passed"] and all(r["passed"] for r in checked["results"])
    assert set(checked["results"][0]) == {"name", "passed", "detail", "hints", "where", "cause"}
    assert "def forward" in bridge.handle({"type": "solution", "exercise": "relu", "failures": 3})["solution"]
    for bad in (None, [], {}, {"type": "check"}, {"type": "check", "exercise": "relu"},
                {"type": "check", "exercise": 3, "code": ""}, {"type": "nope", "exercise": "relu"},
                {"type": "check", "exercise": "relu", "code": "x" * 300_000}):
        answer = bridge.handle(bad)
        assert answer["ok"] is False and answer["error"], bad
