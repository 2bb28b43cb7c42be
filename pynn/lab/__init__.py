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

Several exercises at once, each from its own code (as the page and the exported notebook
check them: ``pynn.lab.export``)::

    results = pynn.lab.check_all({"relu": relu_code, "dense": dense_code})
    print(results)                                    # each exercise's report, then a summary
    results.raise_if_failed()                         # ChecksFailed unless every one passes

Exercises are data: one file each in ``pynn/lab/exercises/`` (see ``pynn.lab.exercise``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pynn.lab import courses
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


def in_order(exercise_ids, course: str | None = None) -> list[Exercise]:
    """The exercises ``exercise_ids`` in the order a class does them: ``course``'s (the id of
    one of ``pynn.lab.courses``), or the assignment's. ``ValueError`` names an exercise that
    does not exist or that the course does not have."""
    chosen = courses.get_course(course)
    wanted = {get(exercise_id).id for exercise_id in exercise_ids}
    order = courses.exercises_of(chosen)
    outside = sorted(wanted - {exercise.id for exercise in order})
    if outside:
        raise ValueError(f"the course {chosen.id!r} has no exercise {outside[0]!r}: its exercises "
                         f"are {', '.join(chosen.exercises)}")
    return [exercise for exercise in order if exercise.id in wanted]


class ChecksFailed(Exception):
    """Raised by ``Results.raise_if_failed``: some exercise fails its checks."""


@dataclass(frozen=True)
class Results:
    """The reports of ``check_all``: ``checked``, ``(exercise, report)`` pairs in order."""

    checked: tuple[tuple[Exercise, Report], ...]

    @property
    def passed(self) -> bool:
        return bool(self.checked) and all(report.passed for _, report in self.checked)

    def failing(self) -> list[Exercise]:
        return [exercise for exercise, report in self.checked if not report.passed]

    def summary(self) -> str:
        n, failing = len(self.checked), self.failing()
        if not failing:
            return f"All {n} exercises pass their checks." if n > 1 else "The exercise passes its checks."
        names = ", ".join(f"{exercise.title} ({exercise.id})" for exercise in failing)
        return f"{n - len(failing)} of {n} exercises pass their checks; not yet: {names}."

    def raise_if_failed(self) -> None:
        if not self.passed:
            raise ChecksFailed(self.summary())

    def __str__(self) -> str:
        parts = [f"{i}. {exercise.title} ({exercise.id}.py): "
                 f"{'passes' if report.passed else 'FAILS'}\n{report}\n"
                 for i, (exercise, report) in enumerate(self.checked, start=1)]
        return "\n".join(parts + [self.summary()])


def check_all(code: dict[str, str], course: str | None = None, in_child: bool = False) -> Results:
    """Run each exercise's checks on its own code: ``code`` maps exercise ids to the code as
    text, and each text is checked alone, as the file ``<id>.py`` — exactly as the page checks
    it. So exercises whose files use the same names (each its own ``Layer``) never see each
    other's. In ``course``'s order (and with its hints setting), or the assignment's.

    ``in_child``: each check runs in a child Python, as ``python -m pynn lab check`` does:
    code that ends Python (``os._exit``) fails its check instead of ending this one."""
    if not isinstance(code, dict) or not code:
        raise ValueError("code must be a dict of at least one exercise id → its code (a str)")
    for exercise_id, text in code.items():
        if not isinstance(text, str):
            raise TypeError(f"the code of {exercise_id!r} must be a str, got {type(text).__name__}")
    chosen = courses.get_course(course)
    texts = [(exercise, code[exercise.id]) for exercise in in_order(code, course)]
    return Results(tuple((exercise, _check_one(exercise, text, chosen, in_child))
                         for exercise, text in texts))


def _check_one(exercise: Exercise, text: str, course, in_child: bool) -> Report:
    _, hints = courses.settings(exercise, course)
    if not in_child:
        return exercise.check(text, hints=hints)
    from pynn.lab.cli_child import check_in_child   # starts processes: never in the page
    report = check_in_child(exercise.id, text, f"{exercise.id}.py")
    if not hints:
        for result in report.results:
            result.hints = []
    return report


__all__ = ["CheckResult", "ChecksFailed", "Exercise", "LEARNER_FILE", "LearnerCodeError", "Report",
           "Results", "all_exercises", "check", "check_all", "explain", "get", "in_order",
           "run_code"]
