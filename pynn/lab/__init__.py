"""The lab: the MNIST assignment as exercises whose checks teach.

A learner writes ``forward`` and ``backward`` for ReLU, Dense and the softmax cross-entropy
(then a layer of their own), and each exercise checks their code: output shapes, the
assignment's numeric asserts, float64 gradient checks that name the worst element, agreement
with pynn's own layer, and no NaN for extreme inputs. The same checks run in a notebook, on
the command line and in the studio's lab page::

    import pynn.lab
    report = pynn.lab.check("relu", MyReLU)          # or the code as a string
    print(report)                                     # one line per check

    python -m pynn lab check relu my_layers.py        # exit 0 if every check passes

Exercises are data: one file each in ``pynn/lab/exercises/`` (see ``pynn.lab.exercise``).
"""

from __future__ import annotations

from pynn.lab.checks import CheckResult, Report
from pynn.lab.exercise import Exercise, load_exercises
from pynn.lab.runner import LEARNER_FILE, LearnerCodeError, explain, run_code

_EXERCISES: dict[str, Exercise] | None = None


def all_exercises() -> dict[str, Exercise]:
    """Every exercise by id, in the assignment's order."""
    global _EXERCISES
    if _EXERCISES is None:
        _EXERCISES = load_exercises()
    return _EXERCISES


def get(exercise_id: str) -> Exercise:
    """The exercise ``exercise_id``, or ``ValueError`` listing the ones there are."""
    found = all_exercises()
    if exercise_id not in found:
        raise ValueError(f"no exercise {exercise_id!r}; there are {', '.join(found)}")
    return found[exercise_id]


def check(exercise_id: str, target, filename: str | None = None) -> Report:
    """Run exercise ``exercise_id``'s checks on ``target``: the learner's class or
    function(s), or their code as a string. ``print(report)`` shows one line per check;
    ``report.passed`` is True when every check passed."""
    return get(exercise_id).check(target, filename)


__all__ = ["CheckResult", "Exercise", "LEARNER_FILE", "LearnerCodeError", "Report", "check",
           "all_exercises", "explain", "get", "run_code"]
