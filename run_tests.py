#!/usr/bin/env python3
"""Run every test of pynn studio: the one test command of the README.

    python3 run_tests.py                 everything
    python3 run_tests.py -k draw -x      extra arguments go to pytest

On a fresh machine (Python >= 3.11, Node/npm) this: creates/updates .venv/ from
requirements/dev.txt, runs `npm ci` in web/ if needed, checks for Debian's Chromium (installs
it with apt-get when running as root), builds dist/ if any input changed, and runs every test
in the order that keeps the cores busy:

- while dist/ is built: the core tests (tests/*.py and pynn's doctests), which need no dist/;
- then side by side: the page tests (tests/web/, in one process per core by pytest-xdist,
  which hands the tests out as processes become free; their output shown as it goes), the
  build tooling's tests (tests/tooling/, tests/pyodide/) and the core suite inside Pyodide
  (tests/pyodide/run.mjs);
- last, alone: the page tests marked `timing`, so that no other test's load decides them.

Output kept aside is shown once its run has ended. Arguments that name tests (files,
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
# what each pytest run covers; together, all of testpaths
CORE_TESTS = ["--ignore", WEB_TESTS, "--ignore", "tests/tooling", "--ignore", "tests/pyodide"]
BUILD_TESTS = ["tests/tooling", "tests/pyodide"]          # they read dist/ or use the build's tools
PAGE_TESTS = [WEB_TESTS, "--numprocesses", "auto", "--dist", "worksteal", "--timing=without"]
TIMING_TESTS = [WEB_TESTS, "--timing=only"]
NO_TESTS_COLLECTED = 5    # pytest's exit code when a -k/-m leaves a run empty


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


def start_beside(name: str, command: list[str], env: dict | None = None, beside: str = "the page tests") -> Beside:
    log(name, f"{' '.join(command)} (beside {beside}; its output follows theirs)")
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


def start_core_tests(argv: list[str]) -> list[Beside]:
    """The core tests, started before the build (they need no dist/), unless ``argv`` names tests."""
    if names_tests(argv):
        return []
    return [start_beside("core tests", [*PYTEST, *CORE_TESTS, *argv], pytest_env(), beside="the build")]


def run_every_test(argv: list[str], early: list[Beside]) -> int:
    """The page tests, with ``early`` (the core tests), the build's tests and the suite inside
    Pyodide beside them, then the timing tests alone (or, when ``argv`` names tests, one
    pytest over those); the exit code of the first that failed."""
    codes: dict[str, int] = {}
    beside = [*early, start_pyodide_suite()]
    try:
        if names_tests(argv):
            codes["pytest"] = run_pytest(argv)
        else:
            beside.append(start_beside("build tests", [*PYTEST, *BUILD_TESTS, *argv], pytest_env()))
            codes["page tests"] = run_pytest([*PAGE_TESTS, *argv])
    finally:
        for run in reversed(beside):
            codes[run.name] = finish_beside(run)
    if "page tests" in codes:
        codes["timing tests"] = run_pytest([*TIMING_TESTS, *argv])
    return exit_code(codes)


def exit_code(codes: dict[str, int]) -> int:
    """0 if every run passed; a run a -k/-m left empty passes unless every pytest run was left empty."""
    runs = [name for name in codes if name not in ("pyodide", "pytest")]
    if runs and {codes[name] for name in runs} != {NO_TESTS_COLLECTED}:
        for name in runs:
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

        early = start_core_tests(argv)
        try:
            build_if_needed()
            prepare_pyodide_suite()
        except BaseException:
            for run in early:
                run.process.kill()
            raise
        return run_every_test(argv, early)
    except BuildError as error:
        return fail("run_tests", error)
    except KeyboardInterrupt:
        return fail("run_tests", "interrupted")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
