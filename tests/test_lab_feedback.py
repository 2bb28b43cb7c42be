"""Feedback that finds one root cause: a wrong answer gives one failure to fix first (the
others say which one they follow from), its worst element in words, and hints in stages
(the idea, then the formula); the classic slips get their own messages."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

import pynn.lab
from pynn.lab.checks import Failed, Report, compare
from pynn.lab.cli_child import _report_from_json

RELU = pynn.lab.get("relu")
NO_MASK = RELU.solution.replace("return grad_output * (input > 0)", "return grad_output")


def by_name(report) -> dict:
    return {result.name: result for result in report.results}


def test_a_wrong_relu_backward_is_one_root_cause_the_others_follow_from():
    report = RELU.check(NO_MASK)
    failed = [i for i, r in enumerate(report.results) if not r.passed]
    assert len(failed) >= 3 and report.roots() == [failed[0]]
    root = report.results[failed[0]]
    assert root.name == "the assignment's ReLU check"
    assert all(report.results[i].cause == failed[0] for i in failed[1:])
    idea, formula = root.hints
    assert "input > 0" not in idea and "grad_output * (input > 0)" in formula
    where = root.where
    assert re.fullmatch(r"grad_input\[\d+, \d+\]", where["element"]) and float(where["input"]) < 0
    assert where["words"] == f"yours is {where['yours']}, it should be {where['expected']}"
    assert float(where["expected"]) == 0 and float(where["yours"]) != 0


def test_a_wrong_forward_is_the_root_of_everything_after_it():
    report = RELU.check(RELU.solution.replace("return np.maximum(0, input)", "return input"))
    root = report.results[report.roots()[0]]
    assert report.roots() == [report.results.index(root)] and root.name == "forward agrees with pynn's layer"
    assert root.where["element"].startswith("forward[") and root.where["input"] == root.where["yours"]
    assert sum(r.cause is not None for r in report.results) >= 2


def test_a_completely_wrong_element_is_described_as_itself_not_by_the_arrays_scale():
    mine, expected = np.array([[-0.0, 4.0], [1.0, 2.0]]), np.array([[-0.22, 4.0], [1.0, 2.0]])
    with pytest.raises(Failed) as failure:
        compare("grad_input", mine, expected, "numerical", input=np.array([[-0.5, 1.0], [2.0, 3.0]]))
    assert str(failure.value) == ("grad_input[0, 0]: yours is -0, it should be -0.22 (the numerical "
                                  "gradient); 1 of 4 numbers differ")
    assert failure.value.where == {"element": "grad_input[0, 0]", "input": "-0.5", "yours": "-0",
                                   "expected": "-0.22", "words": "yours is -0, it should be -0.22"}
    with pytest.raises(Failed) as close:   # near numbers get the digits that tell them apart
        compare("w", np.array([1.0001, 1.0]), np.array([1.0, 1.0]), "expected")
    assert close.value.where["words"] == "yours is 1.0001, it should be 1" and close.value.where["input"] is None


def test_the_folding_rule():
    report = Report()
    report.check("a", lambda: "fine", about=("forward",))
    report.check("b", lambda: (_ for _ in ()).throw(Failed("no")), about=("W",))
    report.check("c", lambda: (_ for _ in ()).throw(Failed("no")), about=("b",))
    report.check("d", lambda: (_ for _ in ()).throw(Failed("no")), about=("W", "b"))
    report.check("e", lambda: (_ for _ in ()).throw(Failed("no")))
    assert [r.cause for r in report.results] == [None, None, None, 1, None]
    assert report.roots() == [1, 2, 4]
    everything = Report()
    everything.check("forward", lambda: (_ for _ in ()).throw(Failed("no")), about=("forward",))
    everything.check("other", lambda: (_ for _ in ()).throw(Failed("no")), about=("extremes",))
    assert [r.cause for r in everything.results] == [None, 0]


def test_checks_that_die_on_the_same_line_of_the_learners_code_are_one_failure():
    code = RELU.solution.replace("return grad_output * (input > 0)", "raise RuntimeError('stuck')")
    report = RELU.check(code)
    assert len(report.roots()) == 1 and not report.results[report.roots()[0]].hints
    assert sum(not r.passed for r in report.results) >= 4


def test_pythons_max_in_the_starters_forward_is_the_root_with_the_targeted_message():
    todo = "compares whole arrays)\n        return input\n"
    assert todo in RELU.starter
    starter = RELU.starter.replace(todo, "compares whole arrays)\n        return max(0, input)\n")
    report = RELU.check(starter)
    first = next(r for r in report.results if not r.passed)
    assert report.roots() == [report.results.index(first)]
    assert first.detail.endswith("→ Python's max compares whole arrays; use np.maximum(0, input), elementwise")
    assert not first.hints   # no general hint about batches next to the named slip


@pytest.mark.parametrize("exercise_id", pynn.lab.all_exercises())
def test_no_starter_comment_invites_pythons_max_or_sum_on_an_array(exercise_id):
    comments = [line.split("#", 1)[1] for line in pynn.lab.get(exercise_id).starter.splitlines() if "#" in line]
    for comment in comments:
        assert not re.search(r"(?<![\w.])(max|min|sum)\(", comment), comment


PYNN_DENSE_AVERAGING_THE_BIAS = """
import numpy as np
from pynn import Layer


class Dense(Layer):
    def __init__(self, input_units, output_units, learning_rate=0.1, rng=None):
        super().__init__()
        self.params["W"] = np.random.default_rng(rng).normal(size=(input_units, output_units)) * 0.01
        self.params["b"] = np.zeros(output_units)

    def forward(self, input):
        return input @ self.params["W"] + self.params["b"]

    def backward(self, input, grad_output):
        self.grads["W"] = input.T @ grad_output
        self.grads["b"] = grad_output.mean(axis=0)
        return grad_output @ self.params["W"].T
"""


def test_a_bias_averaged_over_the_batch_is_the_one_root_and_says_so():
    report = pynn.lab.check("dense", PYNN_DENSE_AVERAGING_THE_BIAS)
    roots = [report.results[i] for i in report.roots()]
    assert [r.name for r in roots] == ["gradient check: grads['b']"]
    assert "don't average (.mean(axis=0))" in roots[0].detail
    assert roots[0].where["element"].startswith("grads['b'][") and roots[0].where["input"] is None


@pytest.mark.native_only
def test_the_command_line_shows_the_root_cause_first_then_the_passes(tmp_path):
    path = tmp_path / "relu.py"
    path.write_text(NO_MASK)
    result = subprocess.run([sys.executable, "-m", "pynn", "lab", "check", "relu", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("[FAIL] the assignment's ReLU check: grad_input[")
    assert lines[2].startswith("       where: grad_input[") and "(input -" in lines[2]
    assert lines[3].startswith("       hint: the derivative of max(0, x)")
    assert lines[4:7] == ["       2 more checks fail because of this:",
                          "       [FAIL] gradient check: grad_input",
                          "       [FAIL] agrees with pynn's layer"]
    assert all(line.startswith("[PASS]") for line in lines[7:-1]) and lines[-1] == "7 of 10 checks passed"


def test_the_childs_report_keeps_hints_where_and_cause_and_refuses_a_cause_that_points_ahead():
    report = RELU.check(NO_MASK)
    data = {**report.to_dict(), "stopped": report.stopped}
    again = _report_from_json(json.dumps(data).encode(), "relu.py")
    assert again.to_dict() == report.to_dict() and str(again) == str(report)
    data["results"][0]["cause"] = 5
    assert _report_from_json(json.dumps(data).encode(), "relu.py") is None
