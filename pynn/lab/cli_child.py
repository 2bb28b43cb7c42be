"""``python -m pynn lab check`` runs a learner's file in a child Python: both ends of it.

``check_in_child``, the parent's side, starts ``python -m pynn.lab.cli_child EXERCISE FILENAME``
(``main``, the child's side), which reads the learner's code (UTF-8) on stdin, runs the
exercise's checks on it and writes the report as one JSON object on stdout:
``{"passed": bool, "stopped": bool, "results": [{name, passed, detail, hints, where, cause}, ...]}``.

Why a child: learner code may end Python (``sys.exit``, ``os._exit``) or loop forever. In a
process of its own, an exit before the report is written is something the parent can see
and report as a failed check, and Ctrl-C in the parent can end it. What the learner's code
prints goes to stderr, so stdout carries nothing but the report.

Not for the page: the studio runs learner code in a Web Worker of its own instead.
"""

from __future__ import annotations

import json
import os
import signal
import sys

import pynn.lab
from pynn.lab.checks import CheckResult, Report


def check_in_child(exercise_id: str, source: str, filename: str) -> Report:
    """Run the exercise's checks on ``source`` in a child Python (``main``) and rebuild
    its report. A child that ends without one (``os._exit``, a crash, the
    out-of-memory killer) gives a report with one failed check that says so."""
    import subprocess  # here: the page imports pynn.lab, and has no processes

    returncode, output = run_child(["pynn.lab.cli_child", exercise_id, filename], source,
                                   stdout=subprocess.PIPE)
    report = _report_from_json(output, filename) if returncode == 0 else None
    if report is None:
        report = Report(filename)
        report.fail("your code runs", *_how_it_ended(returncode))
    return report


def run_child(module_and_args: list[str], source: str, **popen) -> tuple[int, bytes | None]:
    """``python -m MODULE ARGS`` fed ``source`` (UTF-8) on stdin: its exit code and what it
    wrote on a ``stdout=PIPE``. Ctrl-C ends it (the learner's code must not run on) and is
    raised here as ``KeyboardInterrupt``, whichever process it reached first."""
    import subprocess

    child = subprocess.Popen([sys.executable, "-m", *module_and_args], stdin=subprocess.PIPE, **popen)
    try:
        output, _ = child.communicate(source.encode("utf-8"))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if child.returncode == -signal.SIGINT:
        raise KeyboardInterrupt
    return child.returncode, output


def _how_it_ended(returncode: int) -> tuple[str, str]:
    """What to tell the learner, and the hint, when the child ended without a report."""
    if returncode >= 0:
        return (f"your code ended Python (exit code {returncode}) before the checks finished: "
                "a layer must not call sys.exit/os._exit",
                "look in your file for sys.exit, exit(), quit() or os._exit and remove it")
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"signal {-returncode}"
    memory = " (out of memory?)" if name == "SIGKILL" else ""
    return (f"the Python running your code was ended by {name}{memory} before the checks "
            "finished", "run your layer on a small input yourself to see where it stops")


RESULT_FIELDS = ("name", "passed", "detail", "hints", "where", "cause")


def _report_from_json(output: bytes, filename: str) -> Report | None:
    """The child's report, or None unless it is exactly what ``main`` writes."""
    try:
        data = json.loads(output)
        items, stopped = data["results"], data["stopped"]
        results = [CheckResult(**{key: item[key] for key in RESULT_FIELDS}) for item in items]
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(stopped, bool) and results and all(map(_well_formed, enumerate(results)))):
        return None
    report = Report(filename)
    report.results, report.stopped = results, stopped
    return report


def _well_formed(numbered) -> bool:
    index, r = numbered
    return (isinstance(r.passed, bool) and isinstance(r.name, str) and isinstance(r.detail, str)
            and isinstance(r.hints, list) and all(isinstance(h, str) for h in r.hints)
            and (r.where is None or isinstance(r.where, dict))
            and (r.cause is None or (type(r.cause) is int and 0 <= r.cause < index)))


# -- the child's side -------------------------------------------------------------------

def main(argv: list[str]) -> None:
    """Check the code on stdin, write the report on stdout (see the module's docstring)."""
    # Ctrl-C reaches the whole process group: end quietly, the parent says "interrupted".
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    exercise_id, filename = argv
    source = sys.stdin.buffer.read().decode("utf-8")
    report_out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # the learner's prints: to stderr
    sys.stdout.reconfigure(line_buffering=True)
    report = pynn.lab.get(exercise_id).check(source, filename=filename)
    json.dump({**report.to_dict(), "stopped": report.stopped}, report_out)
    report_out.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # now: an atexit handler of the learner's cannot change what happened


if __name__ == "__main__":
    main(sys.argv[1:])
