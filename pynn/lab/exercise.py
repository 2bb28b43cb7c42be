"""Exercises are data: one Python file each in ``pynn/lab/exercises/``.

An exercise file defines (see ``docs/LAB.md`` for a template):

- ``TITLE``, ``ORDER`` (position in the list), ``STATEMENT`` (a short text) and ``STARTER``
  (the code the learner starts from, with ``TODO``\\ s);
- ``TARGET``: the name the learner's code must define (a class or function), or ``None`` for
  "any ``Layer`` subclass";
- ``check(target, report)``: runs the checks on what the learner wrote (``pynn.lab.checks``
  and ``pynn.lab.layer_checks`` hold the usual ones);
- ``SHAPES``: one line per array the learner handles ("input [batch, 784] → output [batch,
  100]"); the statement may write formulas in inline TeX between ``$...$`` (the page renders
  them, a terminal shows them as they are);
- optionally ``REPLACES`` (the pynn layer this one can stand in for when training:
  ``"ReLU"``, ``"Dense"``, ``"Conv2D"``), ``SOLUTION``, the teacher's settings
  ``SHOW_SOLUTION_AFTER`` (failed check runs before the solution may be shown; ``None`` or
  ``"never"``: never; default 3) and ``HINTS`` (``False``: the checks give no hints;
  default True), which a course may replace (``pynn.lab.courses``), ``find(namespace)`` (what to check, when it is not one name: e.g. two functions) and
  ``DEFINES`` (what ``find`` looks for, in words: "the loss functions").

What is checked must be the learner's own: a class defined in their file whose ``forward``
and ``backward`` are too (deriving from pynn's ``Layer`` is fine; from pynn's ``ReLU`` is not).
The learner's code and the checks run as a guest (``pynn.lab.guard``): whatever it changes in
pynn or numpy is put back afterwards, and fails the check "your code leaves pynn and numpy as
they were".
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from pynn.lab.checks import Report
from pynn.lab.courses import hints_setting, settings, solution_after_setting
from pynn.lab.guard import guest
from pynn.lab.runner import LearnerCodeError, explain, run_code
from pynn.layers import Layer

SHOW_SOLUTION_AFTER = 3


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    order: int
    statement: str
    starter: str
    target: str | None
    run_checks: Callable
    replaces: str | None = None
    solution: str | None = None
    solution_after: int | None = SHOW_SOLUTION_AFTER   # None: never shown
    hints: bool = True
    shapes: tuple[str, ...] = ()
    finder: Callable | None = None
    defines: str | None = None

    def find_target(self, namespace: dict):
        """What the learner defined for this exercise, from their module's namespace."""
        if self.finder is not None:
            return self.finder(namespace)
        if self.target is not None:
            if self.target not in namespace:
                raise LearnerCodeError(f"your code does not define {self.target}: keep the "
                                       f"name from the starter code")
            return own(namespace[self.target], self.target, namespace["__name__"])
        found = [value for value in namespace.values() if isinstance(value, type)
                 and issubclass(value, Layer) and value.__module__ == namespace["__name__"]]
        if not found:
            raise LearnerCodeError("your code defines no layer: write a class derived from Layer")
        return own(found[-1], found[-1].__name__, namespace["__name__"])

    def check(self, target, filename: str | None = None, hints: bool | None = None) -> Report:
        """Run the checks on ``target`` (a class or function, or source code as a str,
        compiled as ``filename``: default ``<id>.py``, the name the page downloads).
        ``hints``: give hints (default: the exercise's ``HINTS``; a course may say)."""
        filename = filename or f"{self.id}.py"
        report = Report(filename, hints=self.hints if hints is None else hints)
        with guest() as visit:
            try:
                self._check(target, filename, report)
            except BaseException as error:  # learner code that raised outside any one check
                report.fail("the checks run to the end", explain(error, filename))
        if visit.changes:  # already put back: Report is pynn's own again
            more = f" (and {len(visit.changes) - 1} more)" if len(visit.changes) > 1 else ""
            report.fail("your code leaves pynn and numpy as they were",
                        f"your code changed {visit.changes[0]}{more}; the lab put it back",
                        hint="a layer only computes: do not assign to pynn's or numpy's names "
                             "(np.seterr, np.abs = ...); np.errstate(...) in a with block "
                             "undoes itself", stop=False)
        return report

    def _check(self, target, filename: str, report: Report) -> None:
        defines = f"your code defines {self.defines or self.target or 'a layer'}"
        if isinstance(target, str):
            try:
                namespace = run_code(target, filename)
            except LearnerCodeError as error:
                report.fail("your code runs", str(error),
                            hint="fix this first: the line number is in your code")
                return
        try:
            if isinstance(target, str):
                target = self.find_target(namespace)
            else:  # a class or functions from a notebook: at least not pynn's own
                for item in target if isinstance(target, tuple) else (target,):
                    own(item, getattr(item, "__name__", repr(item)))
        except LearnerCodeError as error:
            report.fail(defines, str(error), hint="write it in your file, as in the starter code")
            return
        self.run_checks(target, report)

    def solution_for(self, failures: int, course=None) -> str | None:
        """The solution, if it may be shown after ``failures`` failed check runs in
        ``course`` (a ``courses.Course`` or None); else None."""
        solution_after, _ = settings(self, course)
        if solution_after is None or failures < solution_after:
            return None
        return self.solution

    def to_dict(self, course=None) -> dict:
        """What the page shows (checks and solution stay in Python), with the settings of
        ``course`` (a ``courses.Course``, or None: the exercise's own)."""
        solution_after, hints = settings(self, course)
        return {"id": self.id, "title": self.title, "statement": reflow(self.statement),
                "starter": self.starter.lstrip("\n"), "trainable": self.replaces is not None,
                "replaces": self.replaces, "solution_after": solution_after, "hints": hints,
                "shapes": list(self.shapes)}


def _from_pynn(module) -> bool:
    return isinstance(module, str) and (module == "pynn" or module.startswith("pynn."))


def own(value, name: str, module: str | None = None):
    """``value`` if the learner wrote it: defined in their module ``module`` (``None``: any
    module but pynn's), and, for a class, its ``forward`` and ``backward`` too (inheriting
    them from pynn's base ``Layer`` is fine). Else ``LearnerCodeError`` saying so."""
    home = getattr(value, "__module__", None)
    kind = "class" if isinstance(value, type) else "function"
    if _from_pynn(home) or (module is not None and callable(value) and home != module):
        where = "pynn" if _from_pynn(home) else home
        raise LearnerCodeError(f"{name} comes from {where}, not from your file: write the "
                               f"{kind} yourself")
    if isinstance(value, type):
        for method in ("forward", "backward"):
            owner = next((cls for cls in value.__mro__ if method in vars(cls)), Layer)
            if owner is not Layer and _from_pynn(owner.__module__):
                raise LearnerCodeError(f"{name}'s {method} comes from pynn's {owner.__name__}, "
                                       f"not from your file: write {method} yourself")
    return value


def reflow(text: str) -> str:
    """Paragraphs (separated by blank lines) as one line each, so the page wraps them to its
    width; a line that starts a list item (``1.``, ``-``) stays on its own line."""
    paragraphs = []
    for block in text.strip().split("\n\n"):
        lines = []
        for line in block.splitlines():
            line = line.strip()
            starts_item = line[:1] in "-*" or line.split(".")[0].isdigit()
            if lines and not starts_item:
                lines[-1] += " " + line
            else:
                lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def from_module(module) -> Exercise:
    """An ``Exercise`` from an exercise file (module), checking it has what it needs."""
    name = module.__name__.rsplit(".", 1)[-1]
    missing = [key for key in ("TITLE", "ORDER", "STATEMENT", "STARTER", "TARGET", "check")
               if not hasattr(module, key)]
    if missing:
        raise ValueError(f"exercise file {name}.py lacks {', '.join(missing)}")
    where = f"exercise file {name}.py"
    return Exercise(id=name, title=module.TITLE, order=module.ORDER, statement=module.STATEMENT,
                    starter=module.STARTER, target=module.TARGET, run_checks=module.check,
                    replaces=getattr(module, "REPLACES", None),
                    solution=getattr(module, "SOLUTION", None),
                    solution_after=solution_after_setting(
                        getattr(module, "SHOW_SOLUTION_AFTER", SHOW_SOLUTION_AFTER), where),
                    hints=hints_setting(getattr(module, "HINTS", True), where),
                    shapes=shapes(getattr(module, "SHAPES", ()), where),
                    finder=getattr(module, "find", None), defines=getattr(module, "DEFINES", None))


def shapes(value, where: str) -> tuple[str, ...]:
    """``SHAPES``: a list of lines of text."""
    if isinstance(value, str) or not all(isinstance(line, str) for line in value):
        raise ValueError(f"{where}: SHAPES must be a list of lines of text, got {value!r}")
    return tuple(value)


def load_exercises(package: str = "pynn.lab.exercises") -> dict[str, Exercise]:
    """Every exercise file of ``package``, by id, in ``ORDER``."""
    root = importlib.import_module(package)
    found = [from_module(importlib.import_module(f"{package}.{info.name}"))
             for info in pkgutil.iter_modules(root.__path__) if not info.name.startswith("_")]
    return {exercise.id: exercise for exercise in sorted(found, key=lambda e: (e.order, e.id))}
