#!/usr/bin/env python3
"""Run every test of pynn studio: the one test command of the README.

    python3 run_tests.py                 everything
    python3 run_tests.py -k draw -x      extra arguments go to pytest

On a fresh machine (Python >= 3.11, Node/npm) this: creates/updates .venv/ from
requirements/dev.txt, runs `npm ci` in web/ if needed, checks for Debian's Chromium (installs
it with apt-get when running as root), builds dist/ if any input changed, runs pytest over
tests/ (core with its doctests, build tooling, Playwright page tests) and, beside it, the core
suite inside Pyodide under Node (tests/pyodide/run.mjs). Exit code 0 only if all of it passed.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

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


def run_pytest(args: list[str]) -> int:
    log("pytest", " ".join(["pytest", *args]))
    # Small matrices: threaded OpenBLAS only spins (10-30x slower on a busy 2-core machine).
    env = {"OPENBLAS_NUM_THREADS": "1", **os.environ}
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env).returncode


def prepare_pyodide_suite() -> None:
    """Download pytest's wheels for the in-Pyodide run (before pytest: tests/pyodide uses them too)."""
    from devtools import pyodide_tests

    log("pyodide", pyodide_tests.ensure_test_wheels())


def start_pyodide_suite() -> tuple[subprocess.Popen, IO[str]]:
    """The core tests again, inside Pyodide (Node + dist/'s runtime): tests/pyodide/run.mjs.

    Started before pytest and run beside it (one core each on a 2-core machine: the native
    core tests leave the other core to Node), its output kept in a file and shown after
    pytest's, so the two never interleave."""
    node = shutil.which("node")
    if node is None:
        raise BuildError("node not found on PATH: install Node.js 20 (Debian/Ubuntu: apt-get install nodejs)")
    log("pyodide", f"node {PYODIDE_RUNNER.relative_to(ROOT)} (beside pytest; its output follows pytest's)")
    output = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    process = subprocess.Popen([node, str(PYODIDE_RUNNER)], cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    return process, output


def finish_pyodide_suite(process: subprocess.Popen, output: IO[str]) -> int:
    returncode = process.wait()
    output.seek(0)
    log("pyodide", "the core suite inside Pyodide:")
    shutil.copyfileobj(output, sys.stdout)
    sys.stdout.flush()
    output.close()
    return returncode


def main(argv: list[str]) -> int:
    try:
        from devtools import venv

        venv.ensure_venv(__file__, argv, "run_tests")   # may re-exec this script inside .venv/
        ensure_chromium()
        from devtools.dist import build_if_needed

        build_if_needed()
        prepare_pyodide_suite()
        pyodide, pyodide_output = start_pyodide_suite()
        try:
            pytest_rc = run_pytest(argv)
        finally:
            pyodide_rc = finish_pyodide_suite(pyodide, pyodide_output)
    except BuildError as error:
        return fail("run_tests", error)
    except KeyboardInterrupt:
        return fail("run_tests", "interrupted")
    if pytest_rc or pyodide_rc:
        print(f"run_tests: FAILED (pytest exit {pytest_rc}, pyodide suite exit {pyodide_rc})", file=sys.stderr)
        return pytest_rc or pyodide_rc
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
