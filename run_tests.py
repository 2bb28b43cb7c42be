#!/usr/bin/env python3
"""Run every test of pynn studio: the one test command of the README.

    python3 run_tests.py                 everything
    python3 run_tests.py -k draw -x      extra arguments go to pytest

On a fresh machine (Python >= 3.11, Node/npm) this: creates/updates .venv/ from
requirements/dev.txt, runs `npm ci` in web/ if needed, checks for Debian's Chromium (installs
it with apt-get when running as root), builds dist/ if any input changed, then runs three
things side by side: pytest over the Playwright page tests (tests/web/, its output shown as
it goes), pytest over the rest of tests/ (core with its doctests, build tooling) and the core
suite inside Pyodide under Node (tests/pyodide/run.mjs), the last two with their output shown
after the page tests'. The page tests leave about a fifth of the two cores idle (waiting for
Chromium, for timeouts they test); the other two fill it. Arguments that name tests (files,
directories, node ids) mean one pytest over just those, as asked. Exit code 0 only if all of
it passed.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, NamedTuple

from devtools import CHROMIUM, ROOT, BuildError, fail, say

PYODIDE_RUNNER = ROOT / "tests" / "pyodide" / "run.mjs"


def log(what: str, detail: str = "") -> None:
    say("run_tests", what, detail)


def ensure_chromium() -> None:
    """Debian's chromium is what Playwright drives; install it when we may (root), else explain."""
    if os.path.exists(CHROMIUM):
        log("chromium", CHROMIUM)
        return
    apt = shutil.which("apt-get")
    if os.geteuid() != 0 or apt is None:
        raise BuildError(f"Chromium not found at {CHROMIUM}: install Debian's package with "
                         "`sudo apt-get install chromium`, then run this again")
    log("chromium", f"{CHROMIUM} missing: apt-get install chromium")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
        result = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode:
            tail = result.stdout.strip().splitlines()[-1:] or ["(no output)"]
            raise BuildError(f"`{' '.join(cmd[1:])}` failed (exit {result.returncode}): {tail[0]}")
    if not os.path.exists(CHROMIUM):
        raise BuildError(f"apt-get installed chromium but {CHROMIUM} is still missing")


PYTEST = [sys.executable, "-m", "pytest"]
WEB_TESTS = "tests/web"
NO_TESTS_COLLECTED = 5    # pytest's exit code when a -k/-m leaves one half of the split empty


class Beside(NamedTuple):
    """A test run in a process of its own, its output kept in a file until it is shown."""
    name: str
    process: subprocess.Popen
    output: IO[str]


def pytest_env() -> dict:
    # Small matrices: threaded OpenBLAS only spins (10-30x slower on a busy 2-core machine).
    return {"OPENBLAS_NUM_THREADS": "1", **os.environ}


def run_pytest(args: list[str]) -> int:
    log("pytest", " ".join(["pytest", *args]))
    return subprocess.run([*PYTEST, *args], cwd=ROOT, env=pytest_env()).returncode


def start_beside(name: str, command: list[str], env: dict | None = None) -> Beside:
    log(name, f"{' '.join(command)} (beside the page tests; its output follows theirs)")
    output = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    return Beside(name, process, output)


def finish_beside(run: Beside) -> int:
    returncode = run.process.wait()
    run.output.seek(0)
    log(run.name, "its output:")
    shutil.copyfileobj(run.output, sys.stdout)
    sys.stdout.flush()
    run.output.close()
    return returncode


def names_tests(args: list[str]) -> bool:
    """True if the arguments name files, directories or node ids (not only options)."""
    takes_value = {"-k", "-m", "-p", "-c", "-o", "--maxfail", "--durations", "--deselect", "--ignore", "--rootdir"}
    previous = ""
    for arg in args:
        if not arg.startswith("-") and previous not in takes_value:
            return True
        previous = arg
    return False


def prepare_pyodide_suite() -> None:
    """Download pytest's wheels for the in-Pyodide run (before pytest: tests/pyodide uses them too)."""
    from devtools import pyodide_tests

    log("pyodide", pyodide_tests.ensure_test_wheels())


def start_pyodide_suite() -> Beside:
    """The core tests again, inside Pyodide (Node + dist/'s runtime): tests/pyodide/run.mjs."""
    node = shutil.which("node")
    if node is None:
        raise BuildError("node not found on PATH: install Node.js 20 (Debian/Ubuntu: apt-get install nodejs)")
    return start_beside("pyodide", [node, str(PYODIDE_RUNNER.relative_to(ROOT))])


def run_every_test(argv: list[str]) -> int:
    """The page tests, with the core tests and the suite inside Pyodide beside them (or, when
    ``argv`` names tests, one pytest over those); the exit code of the first that failed."""
    codes: dict[str, int] = {}
    beside = [start_pyodide_suite()]
    try:
        if names_tests(argv):
            codes["pytest"] = run_pytest(argv)
        else:
            beside.append(start_beside("core tests", [*PYTEST, "--ignore", WEB_TESTS, *argv], pytest_env()))
            codes["page tests"] = run_pytest([WEB_TESTS, *argv])
    finally:
        for run in reversed(beside):
            codes[run.name] = finish_beside(run)
    halves = [name for name in ("page tests", "core tests") if name in codes]
    if len(halves) == 2 and {codes[name] for name in halves} != {NO_TESTS_COLLECTED}:
        for name in halves:     # -k/-m chose tests from one half only
            codes[name] = 0 if codes[name] == NO_TESTS_COLLECTED else codes[name]
    failed = {name: code for name, code in codes.items() if code}
    if failed:
        print("run_tests: FAILED (" + ", ".join(f"{name} exit {code}" for name, code in failed.items()) + ")",
              file=sys.stderr)
        return next(iter(failed.values()))
    return 0


def main(argv: list[str]) -> int:
    try:
        from devtools import venv

        venv.ensure_venv(__file__, argv, "run_tests")   # may re-exec this script inside .venv/
        ensure_chromium()
        from devtools.dist import build_if_needed

        build_if_needed()
        prepare_pyodide_suite()
        return run_every_test(argv)
    except BuildError as error:
        return fail("run_tests", error)
    except KeyboardInterrupt:
        return fail("run_tests", "interrupted")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
