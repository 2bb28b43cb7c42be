"""run_tests.py: which tests one call runs, and how their exit codes make its own."""

from __future__ import annotations

import pytest

import run_tests


@pytest.mark.parametrize("args, named", [
    ([], False),
    (["-x", "-q"], False),
    (["-k", "draw", "-x"], False),
    (["-m", "not browser", "--durations", "10"], False),
    (["tests/test_cli.py"], True),
    (["-x", "tests/web/test_page_draw.py::test_clear_empties_the_canvas_and_the_prediction"], True),
    (["-k", "draw", "tests/web"], True),
])
def test_arguments_that_name_tests_mean_one_pytest_over_just_those(args, named):
    assert run_tests.names_tests(args) is named


class Finished:
    """What start_beside returns, for a process that has ended with ``code``."""

    def __init__(self, name, code):
        self.name, self.code = name, code


@pytest.fixture
def runs(monkeypatch):
    """run_every_test with every test run replaced: ``codes`` sets each one's exit code;
    ``started`` lists the runs in the order they started."""
    codes, started = {}, []

    def start_beside(name, command, env=None, beside=""):
        started.append(name)
        return Finished(name, codes[name])

    def run_pytest(args):
        name = ("timing tests" if "--timing=only" in args
                else "page tests" if args[0] == run_tests.WEB_TESTS else "pytest")
        started.append(name)
        return codes[name]

    monkeypatch.setattr(run_tests, "start_beside", start_beside)
    monkeypatch.setattr(run_tests, "finish_beside", lambda run: run.code)
    monkeypatch.setattr(run_tests, "run_pytest", run_pytest)
    return codes, started


ALL_PASS = {"core tests": 0, "page tests": 0, "build tests": 0, "pyodide": 0, "timing tests": 0}


def run_all(argv):
    return run_tests.run_every_test(argv, run_tests.start_core_tests(argv))


def test_core_tests_start_first_then_the_page_tests_beside_the_rest_then_the_timing_tests_alone(runs):
    codes, started = runs
    codes.update(ALL_PASS)
    assert run_all([]) == 0
    assert started == ["core tests", "pyodide", "build tests", "page tests", "timing tests"]


def test_the_runs_together_cover_every_test_once():
    page = [arg for arg in run_tests.PAGE_TESTS if arg.startswith("--timing")]
    assert page == ["--timing=without"] and "--timing=only" in run_tests.TIMING_TESTS
    ignored = {run_tests.CORE_TESTS[i + 1] for i, arg in enumerate(run_tests.CORE_TESTS) if arg == "--ignore"}
    assert ignored == {run_tests.WEB_TESTS, *run_tests.BUILD_TESTS}


@pytest.mark.parametrize("failing", list(ALL_PASS))
def test_any_failure_fails_the_run(runs, failing, capsys):
    codes, _ = runs
    codes.update({**ALL_PASS, failing: 1})
    assert run_all([]) == 1
    assert f"{failing} exit 1" in capsys.readouterr().err


def test_a_filter_that_leaves_some_runs_empty_passes_but_not_all(runs):
    codes, _ = runs
    empty = run_tests.NO_TESTS_COLLECTED
    codes.update({**ALL_PASS, "page tests": empty, "timing tests": empty, "build tests": empty})
    assert run_all(["-k", "csv"]) == 0
    codes.update({"core tests": empty})
    assert run_all(["-k", "nothing"]) == empty


def test_named_tests_run_in_one_pytest_beside_the_pyodide_suite(runs):
    codes, started = runs
    codes.update({"pytest": 0, "pyodide": 0})
    assert run_all(["tests/test_cli.py"]) == 0
    assert started == ["pyodide", "pytest"]
