"""Learner code is a guest: whatever it does, the lab's checks tell the truth.

Every wrong answer in ``tests/lab_solutions/wrong/`` fails the exercise it targets, at the
check its header names; learner code gets its own copies of every array, cannot pass off
pynn's classes as its own, cannot end the checker with ``SystemExit``, and leaves pynn and
numpy as they were (``pynn.lab.guard``)."""

import builtins
import importlib
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest

import pynn
import pynn.lab
import pynn.lab.checks
from pynn.lab.bridge import LabBridge
from pynn.lab.guard import guest

SOLUTIONS = Path(__file__).parent / "lab_solutions"
WRONG = sorted(path for path in (SOLUTIONS / "wrong").glob("*.py") if path.name != "conftest.py")
MY_LAYERS = (SOLUTIONS / "my_layers.py").read_text()
RELU = pynn.lab.get("relu").solution


def results(report) -> dict:
    return {result.name: result for result in report.results}


def failed(report) -> list[str]:
    return [result.name for result in report.results if not result.passed]


HEADER_KEYS = ("exercise", "caught by", "says")


def header(path: Path) -> dict[str, str]:
    """``# exercise: relu`` / ``# caught by: <check name>`` / optionally ``# says: <words>``
    from a wrong answer's first lines."""
    found = {}
    for line in path.read_text().splitlines():
        key, _, value = line.lstrip("# ").partition(": ")
        if not line.startswith("#") or key not in HEADER_KEYS:
            break
        found[key] = value
    return found


def test_there_are_wrong_answers_for_every_exercise():
    targeted = {header(path)["exercise"] for path in WRONG}
    assert targeted == set(pynn.lab.all_exercises())


@pytest.mark.parametrize("path", WRONG, ids=[path.stem for path in WRONG])
def test_every_wrong_answer_fails_first_at_the_check_that_names_its_mistake(path):
    """The check the header names is the first root cause (the failures before it, if any,
    are other roots: a wrong answer may make several slips); it says what the header says."""
    expected = header(path)
    report = pynn.lab.check(expected["exercise"], path.read_text(), filename=path.name)
    assert not report.passed, str(report)
    roots = [report.results[i] for i in report.roots()]
    assert expected["caught by"] in [root.name for root in roots], str(report)
    caught = next(root for root in roots if root.name == expected["caught by"])
    if "says" in expected:
        assert expected["says"] in caught.detail + " ".join(caught.hints), str(report)
    # nothing it did survives its check: the starter code still fails, a solution still passes
    assert not pynn.lab.check("relu", pynn.lab.get("relu").starter).passed
    assert pynn.lab.check("relu", RELU).passed
    assert np.geterr()["divide"] == "warn"


def test_an_all_zero_gradient_says_so():
    report = pynn.lab.check("relu", (SOLUTIONS / "wrong" / "relu_zeroes_grad_output.py").read_text())
    detail = results(report)["gradient check: grad_input"].detail
    assert detail == "your grad_input is all zeros; the numerical gradient is not"


def test_learner_code_that_changes_the_arrays_it_is_handed_changes_nothing_else():
    in_place_relu = RELU.replace("return np.maximum(0, input)",
                                 "np.maximum(0, input, out=input)\n        return input")
    assert pynn.lab.check("relu", in_place_relu).passed
    in_place_softmax = MY_LAYERS.replace(
        "shifted = logits - logits.max(axis=1, keepdims=True)",
        "logits -= logits.max(axis=1, keepdims=True)\n    shifted = logits")
    report = pynn.lab.check("softmax", in_place_softmax)
    assert report.passed, str(report)


def test_a_class_from_pynn_is_not_the_learners():
    report = pynn.lab.check("relu", "from pynn import ReLU\n")
    assert report.results[0].detail == "ReLU comes from pynn, not from your file: write the class yourself"
    assert not pynn.lab.check("relu", pynn.ReLU).passed
    assert not pynn.lab.check("softmax", (pynn.losses.softmax_crossentropy_with_logits,
                                          pynn.losses.grad_softmax_crossentropy_with_logits)).passed
    inherits = (SOLUTIONS / "wrong" / "relu_inherits_backward.py").read_text()
    assert "backward comes from pynn's ReLU" in pynn.lab.check("relu", inherits).results[0].detail


def test_learner_errors_that_are_not_exceptions_are_failed_checks_with_their_line():
    report = pynn.lab.check("relu", "import sys\nsys.exit(0)\n")
    assert report.results[0].detail.splitlines() == ["line 2 in <module>: sys.exit(0)", "SystemExit: 0"]
    code = RELU.replace("return grad_output * (input > 0)", "raise KeyboardInterrupt")
    detail = results(pynn.lab.check("relu", code))["backward keeps the contract"].detail
    assert detail.splitlines()[-1] == "KeyboardInterrupt"


@pytest.mark.parametrize("code", [
    "raise SystemExit", "import sys\nsys.exit(3)", "raise KeyboardInterrupt", "raise GeneratorExit",
    RELU.replace("return np.maximum(0, input)", "raise SystemExit"),
    RELU.replace("return grad_output * (input > 0)", "raise KeyboardInterrupt"),
    "class E(Exception):\n    def __str__(self):\n        raise SystemExit\nraise E()",
])
def test_the_lab_bridge_never_raises_whatever_the_learner_raises(code):
    answer = LabBridge().handle({"type": "check", "exercise": "relu", "code": code})
    assert answer["ok"] and answer["passed"] is False


def test_learner_code_that_raises_between_two_checks_is_a_failed_check_too():
    code = """
from pynn import Layer


class Params(dict):
    armed = False

    def __iter__(self):
        if Params.armed:
            raise KeyboardInterrupt
        return super().__iter__()


class Mine(Layer):
    def __init__(self):
        super().__init__()
        self.params = Params()

    def forward(self, input):
        Params.armed = True
        return input

    def backward(self, input, grad_output):
        return grad_output
"""
    report = pynn.lab.check("own_layer", code)
    assert "the checks run to the end" in failed(report) and not report.passed
    assert results(report)["the checks run to the end"].detail.endswith("KeyboardInterrupt")


def test_the_lab_bridge_never_raises_even_when_the_checker_itself_does(monkeypatch):
    def stop(exercise_id):
        raise SystemExit(1)

    monkeypatch.setattr(pynn.lab, "get", stop)
    answer = LabBridge().handle({"type": "check", "exercise": "relu", "code": RELU})
    assert answer["ok"] is False and "SystemExit" in answer["error"]


@pytest.mark.parametrize("code", [(SOLUTIONS / "wrong" / "relu_infinite_recursion.py").read_text(),
                                  "x = " + "+".join(["1"] * 3000)], ids=["recursion", "3000 terms"])
def test_runaway_recursion_is_a_short_failure(code):
    report = pynn.lab.check("relu", code)
    try:   # CPython's compiler gives up on 3000 nested terms; Pyodide's (a deeper stack) may not
        compile(code, "relu.py", "exec")
    except RecursionError:
        pass
    else:
        if "def " not in code:
            assert failed(report) == ["your code defines ReLU"]
            return
    assert failed(report) == ["your code runs"]
    detail = report.results[0].detail
    assert len(detail.splitlines()) <= 4, detail
    assert "RecursionError" in detail


def test_repeated_frames_are_collapsed():
    detail = pynn.lab.check("relu", "\n\ndef f():\n    return f()\nf()\n").results[0].detail
    lines = detail.splitlines()
    assert lines[0] == "line 5 in <module>: f()"
    assert lines[1].startswith("line 4 in f: return f()  (repeated ") and lines[1].endswith(" more times)")
    assert lines[2].startswith("RecursionError")


def test_a_file_that_starts_with_a_byte_order_mark_works():
    assert pynn.lab.check("relu", "\ufeff" + RELU).passed


def test_a_float32_layer_is_compared_at_float32_precision():
    code = RELU.replace("return np.maximum(0, input)", "return np.maximum(0, input).astype(np.float32)")
    report = pynn.lab.check("relu", code)
    assert report.passed, str(report)
    assert "your forward returns float32: compared at float32 precision" in \
        results(report)["gradient check: grad_input"].detail
    elu = (SOLUTIONS / "elu.py").read_text().replace(
        "return np.where(input > 0, input, self.alpha * np.expm1(np.minimum(input, 0)))",
        "return np.where(input > 0, input, self.alpha * np.expm1(np.minimum(input, 0))).astype(np.float32)")
    assert pynn.lab.check("own_layer", elu).passed


@pytest.mark.parametrize("init, recognised", [
    ("rng.normal(size=(input_units, output_units)) * 0.01", "normal × 0.01"),
    ("rng.normal(size=(input_units, output_units)) * np.sqrt(2 / input_units)", "He"),
    ("rng.uniform(-1, 1, size=(input_units, output_units)) * np.sqrt(6 / input_units)", "He"),
    ("rng.normal(size=(input_units, output_units)) * np.sqrt(2 / (input_units + output_units))", "Xavier"),
    ("rng.uniform(-1, 1, size=(input_units, output_units)) * np.sqrt(6 / (input_units + output_units))", "Xavier"),
    ("rng.normal(size=(input_units, output_units)) * np.sqrt(1 / input_units)", "LeCun"),
])
def test_sensible_initialisations_pass_and_are_named(init, recognised):
    code = (SOLUTIONS / "wrong" / "dense_init_zeros.py").read_text().replace(
        "np.zeros((input_units, output_units))", init)
    report = pynn.lab.check("dense", code)
    assert report.passed, str(report)
    assert recognised in results(report)["the assignment's initialisation check"].detail


# -- the guard ---------------------------------------------------------------------------

def test_the_guard_restores_what_guest_code_changed_and_names_it():
    passed, absolute, errors = pynn.lab.checks.Report.passed, np.abs, np.geterr()
    with guest() as visit:
        pynn.lab.checks.Report.passed = property(lambda self: True)
        np.abs = None
        np.seterr(all="raise")
        pynn.lab.checks.SOMETHING_NEW = 1
    assert set(visit.changes) == {"pynn.lab.checks.Report.passed", "numpy.abs",
                                  "numpy error handling (np.seterr)", "pynn.lab.checks.SOMETHING_NEW"}
    assert pynn.lab.checks.Report.passed is passed and np.abs is absolute and np.geterr() == errors
    assert not hasattr(pynn.lab.checks, "SOMETHING_NEW")


def test_caches_python_fills_by_itself_are_not_changes():
    import copy
    import warnings

    with guest() as visit:
        copy.deepcopy([pynn.Dense(3, 2, rng=0), pynn.conv.Reshape((1, 2, 2)), pynn.optim.Adam()])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec("import warnings\nwarnings.warn('cached')", vars(pynn.lab.checks))
    assert visit.changes == []


def test_the_guard_restores_on_exceptions_too_and_lets_them_through():
    absolute = np.abs
    with pytest.raises(SystemExit):
        with guest() as visit:
            np.abs = None
            raise SystemExit
    assert np.abs is absolute and visit.changes == ["numpy.abs"]


def test_the_guard_sees_nothing_when_nothing_changed_and_costs_little():
    rounds = []
    for _ in range(5):      # the fastest of 5 rounds: what the guard costs, not what other processes took
        start = time.perf_counter()
        for _ in range(4):
            with guest() as visit:
                np.zeros(3)
        rounds.append((time.perf_counter() - start) / 4)
    per_visit = min(rounds)
    assert visit.changes == []
    assert per_visit < 0.02, f"{per_visit * 1e3:.1f} ms per guest()"


def test_patching_the_guard_itself_is_caught():
    import pynn.lab.guard as guard

    originals = dict(vars(guard))
    with guest() as visit:
        for name in list(vars(guard)):
            if not name.startswith("__"):
                setattr(guard, name, None)
    assert "pynn.lab.guard.guest" in visit.changes
    assert all(vars(guard)[name] is value for name, value in originals.items())


def test_replacing_builtins_cannot_stop_the_guard_putting_them_back():
    originals = dict(vars(builtins))
    with guest() as visit:
        vars(builtins).update(dict.fromkeys(["setattr", "type", "len", "list", "dict", "vars"]))
    assert all(vars(builtins)[name] is value for name, value in originals.items())
    assert sorted(visit.changes) == ["builtins.dict", "builtins.len", "builtins.list",
                                     "builtins.setattr", "builtins.type", "builtins.vars"]


def test_sys_modules_entries_are_put_back():
    checks = sys.modules["pynn.lab.checks"]
    with guest() as visit:
        sys.modules["pynn.lab.checks"] = types.ModuleType("fake")
    assert sys.modules["pynn.lab.checks"] is checks
    assert visit.changes == ["sys.modules['pynn.lab.checks']"]


def test_every_way_of_importing_the_pages_javascript_is_refused(monkeypatch):
    fake = types.ModuleType("js")
    monkeypatch.setitem(sys.modules, "js", fake)
    attempts = {
        "import": lambda: __import__("js"),
        "importlib": lambda: importlib.import_module("js"),
        "builtins": lambda: builtins.__import__("js"),
        "submodule": lambda: importlib.import_module("pyodide.ffi"),
    }
    with guest() as visit:
        assert "js" not in sys.modules
        for name, attempt in attempts.items():
            with pytest.raises(ImportError, match="the lab does not let your code import"):
                attempt()
    assert sys.modules["js"] is fake and visit.changes == []
    report = pynn.lab.check("relu", "import importlib\njs = importlib.import_module('js')\n" + RELU)
    assert "the lab does not let your code import js" in report.results[0].detail
