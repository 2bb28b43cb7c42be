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
    """run_every_test with every test run replaced: ``codes`` sets each one's exit code."""
    codes, started = {}, []

    def start_beside(name, command, env=None):
        started.append(name)
        return Finished(name, codes[name])

    monkeypatch.setattr(run_tests, "start_beside", start_beside)
    monkeypatch.setattr(run_tests, "finish_beside", lambda run: run.code)
    monkeypatch.setattr(run_tests, "run_pytest", lambda args: codes["page tests" if args[0] == run_tests.WEB_TESTS
                                                                   else "pytest"])
    return codes, started


def test_the_page_tests_run_with_the_core_tests_and_the_pyodide_suite_beside_them(runs):
    codes, started = runs
    codes.update({"page tests": 0, "core tests": 0, "pyodide": 0})
    assert run_tests.run_every_test([]) == 0
    assert started == ["pyodide", "core tests"]


@pytest.mark.parametrize("failing", ["page tests", "core tests", "pyodide"])
def test_any_failure_fails_the_run(runs, failing, capsys):
    codes, _ = runs
    codes.update({"page tests": 0, "core tests": 0, "pyodide": 0, failing: 1})
    assert run_tests.run_every_test([]) == 1
    assert f"{failing} exit 1" in capsys.readouterr().err


def test_a_filter_that_leaves_one_half_empty_passes_but_not_both(runs):
    codes, _ = runs
    codes.update({"page tests": run_tests.NO_TESTS_COLLECTED, "core tests": 0, "pyodide": 0})
    assert run_tests.run_every_test(["-k", "csv"]) == 0
    codes.update({"core tests": run_tests.NO_TESTS_COLLECTED})
    assert run_tests.run_every_test(["-k", "nothing"]) == run_tests.NO_TESTS_COLLECTED


def test_named_tests_run_in_one_pytest_beside_the_pyodide_suite(runs):
    codes, started = runs
    codes.update({"pytest": 0, "pyodide": 0})
    assert run_tests.run_every_test(["tests/test_cli.py"]) == 0
    assert started == ["pyodide"]
