"""Checks that teach: each one a line with pass/fail, what was measured and, on failure,
what to look at.

The learner's layer always runs in float64 here (its parameters are converted), so a correct
layer never fails on rounding: in float32, ``f(x + eps) - f(x - eps)`` is mostly noise.
Gradients are checked by central differences of ``sum(forward(x) * g)`` with a random ``g``,
so a wrong transpose or sign cannot cancel out. A layer whose forward itself returns float32
is compared at float32 precision (``precision_of``).

Learner code is a guest: every call into it goes through ``call``, which hands it fresh copies
of the arrays, and the expected values (numerical gradients, pynn's outputs) are computed
before it runs, on arrays it never sees. A backward that starts with ``grad_output /= 4``
therefore changes nothing but its own answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pynn.gradcheck import numerical_gradient
from pynn.lab.runner import explain, learner_line

TOLERANCE = 1e-6  # worst relative error of a correct float64 backward is ~1e-9


Hints = str | tuple[str, ...] | list[str]   # one stage, or staged: (idea, formula)


@dataclass
class CheckResult:
    """One line of the results: ``name``, ``passed``, ``detail`` (what was measured or the
    error), and on failure ``hints`` (staged: the idea first, which never states the answer,
    then the formula), ``where`` (the worst element of a numeric comparison: ``element``,
    ``input``, ``yours``, ``expected``, ``words``) and ``cause`` (the index of the earlier
    failed check this one follows from, see ``Report``). ``about`` names the quantities the
    check measures; it decides ``cause`` and is not sent."""

    name: str
    passed: bool
    detail: str = ""
    hints: list[str] = field(default_factory=list)
    where: dict | None = None
    cause: int | None = None
    about: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "detail": self.detail,
                "hints": list(self.hints), "where": self.where, "cause": self.cause}

    def __str__(self) -> str:
        mark = "PASS" if self.passed else "FAIL"
        detail = f": {self.detail}" if self.detail else ""
        lines = [f"[{mark}] {self.name}{detail}"]
        if not self.passed and self.where:
            lines.append(f"       where: {where_line(self.where)}")
        if not self.passed and self.hints:
            lines.append(f"       hint: {self.hints[0]}")
        return "\n".join(lines)


def where_line(where: dict) -> str:
    """The where-line in words: "grad_input[2, 5] (input -0.31): yours is 0, it should be 2.73"."""
    at = f" (input {where['input']})" if where.get("input") is not None else ""
    return f"{where['element']}{at}: {where['words']}"


def staged(hint: Hints) -> list[str]:
    """A check's ``hint`` argument as its list of stages (``""`` → none)."""
    stages = [hint] if isinstance(hint, str) else list(hint)
    if not all(isinstance(stage, str) for stage in stages):
        raise TypeError(f"a hint is a str or a tuple of str (idea, formula), got {hint!r}")
    return [stage for stage in stages if stage]


# Every later check runs the learner's forward: a failure of it comes first, and everything
# that fails after it follows from it.
EVERYTHING_RESTS_ON = "forward"


class Failed(Exception):
    """Raised inside a check: the check fails with this message as its detail, and ``where``
    (``compare``'s worst element) as its where-line."""

    def __init__(self, message: str, where: dict | None = None):
        super().__init__(message)
        self.where = where


class Report:
    """Runs checks in order and collects their results; a check that raises fails with the
    learner's own traceback, and ``stopped`` skips the rest once a basic check failed.

    Folding, so that the first failure is the one to fix: each check says what it measures
    (``about``: "forward", "grad_input", "W", ...). A failed check *follows* the first earlier
    root failure (a failed check whose ``cause`` is None) that measured one of the same
    quantities, or that measured ``forward`` (every later check runs forward); its ``cause``
    is that root's index. A check that fails because the learner's code raised measures "an
    error at line N" too, so every check that dies on the same line follows the first. A failed check that shares nothing with an earlier root is a root
    itself. ``hints=False`` leaves every result's hints empty (a teacher's setting)."""

    def __init__(self, filename: str | None = None, hints: bool = True):
        self.filename = filename
        self.hints = hints
        self.results: list[CheckResult] = []
        self.stopped = False

    def check(self, name: str, run: Callable[[], str | None], hint: Hints = "",
              essential: bool = False, about: tuple[str, ...] = ()) -> bool:
        """Run ``run()`` (it returns a detail string or raises ``Failed``); ``hint``: one
        stage or ``(idea, formula)``; ``about``: the quantities it measures (for folding)."""
        if self.stopped:
            return False
        where = None
        try:
            detail, passed = run() or "", True
        except Failed as failure:
            detail, passed, where = str(failure), False, failure.where
        except BaseException as error:  # the learner's code raised (even SystemExit): show
            detail, passed = explain(error, self.filename), False  # where, in their lines
            hint = ""    # the error and its line say what happened; a hint about numbers would mislead
            line = learner_line(error, self.filename)
            if line is not None:   # every check that dies on the same line fails for one reason
                about = (*about, f"an error at line {line}")
        self._add(CheckResult(name, passed, detail, [] if passed else staged(hint), where,
                              about=tuple(about)))
        if essential and not passed:
            self.stopped = True
        return passed

    def fail(self, name: str, detail: str, hint: Hints = "", stop: bool = True,
             about: tuple[str, ...] = ()) -> None:
        """Record a failed check without running anything (e.g. the code did not load);
        ``stop``: the other checks cannot run."""
        self._add(CheckResult(name, False, detail, staged(hint), about=tuple(about)))
        self.stopped = self.stopped or stop

    def _add(self, result: CheckResult) -> None:
        if not self.hints:
            result.hints = []
        if not result.passed:
            result.cause = self.cause_of(result.about)
        self.results.append(result)

    def cause_of(self, about: tuple[str, ...]) -> int | None:
        """The index of the root failure a failed check about ``about`` follows, or None."""
        for index, earlier in enumerate(self.results):
            if earlier.passed or earlier.cause is not None:
                continue
            if EVERYTHING_RESTS_ON in earlier.about or set(earlier.about) & set(about):
                return index
        return None

    @property
    def passed(self) -> bool:
        return bool(self.results) and not self.stopped and all(r.passed for r in self.results)

    def roots(self) -> list[int]:
        """The indices of the failed checks that follow from no other: the ones to fix."""
        return [i for i, r in enumerate(self.results) if not r.passed and r.cause is None]

    def to_dict(self) -> dict:
        return {"passed": self.passed, "results": [r.to_dict() for r in self.results]}

    def __str__(self) -> str:
        """Each root failure with its where-line and first hint, then how many checks fail
        because of it (their names); the passed checks after them."""
        lines = []
        for root in self.roots():
            lines.append(str(self.results[root]))
            followers = [r.name for r in self.results if r.cause == root]
            if followers:
                fails = "check fails" if len(followers) == 1 else "checks fail"
                lines.append(f"       {len(followers)} more {fails} because of this:")
                lines += [f"       [FAIL] {name}" for name in followers]
        lines += [str(result) for result in self.results if result.passed]
        if self.stopped:
            lines.append("(the other checks did not run: fix the failure above first)")
        n_passed = sum(r.passed for r in self.results)
        lines.append(f"{n_passed} of {len(self.results)} checks passed")
        return "\n".join(lines)


# -- measuring ---------------------------------------------------------------------------

def _index_text(index: tuple) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def fresh(value):
    """A copy of ``value`` if it is an array, so that learner code may change it freely."""
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else value


def call(function: Callable, *args):
    """``function(*args)`` for learner code: every array argument is a fresh copy, and so is
    an array it returns (it may keep a reference and change it later)."""
    return fresh(function(*(fresh(arg) for arg in args)))


@dataclass(frozen=True)
class Precision:
    """How closely to compare gradients: central differences' step ``eps``, the worst relative
    error that passes, and a ``note`` for the detail line when it is not float64's."""

    eps: float = 1e-6
    tolerance: float = TOLERANCE
    note: str = ""


# Central differences at float32 need a bigger step (rounding ~1e-7 / eps) and a looser
# tolerance; 1e-3 still fails a gradient 1/batch too small or a transposed one.
LOW_PRECISION = {4: (1e-3, 1e-3), 2: (3e-2, 3e-2)}  # bytes per number → (eps, tolerance)


def precision_of(output) -> Precision:
    """Float64's precision, or a lower one if ``output`` (what forward returned) is float32
    or float16: then central differences cannot be more exact than that."""
    dtype = np.asarray(output).dtype
    if dtype.kind != "f" or dtype.itemsize >= 8:
        return Precision()
    eps, tolerance = LOW_PRECISION.get(dtype.itemsize, LOW_PRECISION[2])
    return Precision(eps, tolerance, f"your forward returns {dtype}: compared at {dtype} precision")


# What a comparison's expected values are, in words: compare(..., what) → "(the numerical gradient)".
SOURCES = {"numerical": "the numerical gradient", "pynn's": "pynn's"}


def numbers(yours: float, expected: float) -> tuple[str, str]:
    """Both numbers short ("0", "2.73"), with as many digits as it takes to tell them apart."""
    for digits in (3, 6, 10, 17):
        shown = f"{yours:.{digits}g}", f"{expected:.{digits}g}"
        if shown[0] != shown[1]:
            return shown
    return shown


def located(name: str, index: tuple, yours, expected, input=None) -> dict:
    """The where-line of a comparison at ``name[index]``: the element, the input value there
    (``input``: an array of the compared one's shape, or None), yours, expected, and the words."""
    element = name + _index_text(index) if index else name
    mine, theirs = numbers(float(yours), float(expected))
    value = None
    if input is not None and index:
        value = f"{float(np.asarray(input)[index]):.3g}"
    return {"element": element, "input": value, "yours": mine, "expected": theirs,
            "words": f"yours is {mine}, it should be {theirs}"}


def compare(name: str, mine: np.ndarray, expected: np.ndarray, what: str, tolerance=TOLERANCE,
            input=None) -> str:
    """Detail text if ``mine`` matches ``expected`` (worst relative error below ``tolerance``);
    else ``Failed`` about the worst element, with its where-line: "grad_input[2, 5]: yours is
    0, it should be 0.31 (the numerical gradient); 12 of 30 numbers differ". ``input``: the
    array the compared one was computed from, when each element has its own input value."""
    mine = np.asarray(mine, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if input is not None and np.shape(input) != expected.shape:
        input = None
    source = f" ({SOURCES[what]})" if what in SOURCES else ""
    if mine.shape != expected.shape:
        raise Failed(f"{name} has shape {mine.shape}; expected {expected.shape}")
    if not np.all(np.isfinite(mine)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(mine))[0])
        where = located(name, index, mine[index], expected[index], input)
        raise Failed(f"{name}{_index_text(index)} is {mine[index]} (not a finite number)", where)
    if not np.any(mine) and np.any(expected):
        index = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(expected)), expected.shape))
        theirs = {"numerical": "the numerical gradient", "pynn's": "pynn's"}.get(what, f"the one {what}")
        raise Failed(f"your {name} is all zeros; {theirs} is not",
                     located(name, index, 0.0, expected[index], input))
    difference = np.abs(mine - expected)
    scale = np.max(np.abs(mine) + np.abs(expected))
    error = 0.0 if scale == 0 else float(np.max(difference) / scale)
    if error < tolerance:
        return f"worst relative error {error:.1e}"
    index = tuple(int(i) for i in np.unravel_index(np.argmax(difference), difference.shape))
    where = located(name, index, mine[index], expected[index], input)
    wrong = int(np.sum(difference > tolerance * scale))
    count = f"; {wrong} of {mine.size} numbers differ" if mine.size > 1 else ""
    raise Failed(f"{where['element']}: {where['words']}{source}{count}", where)


def in_float64(layer) -> None:
    """Convert the layer's parameters (and gradients) to float64 in place."""
    for key in list(getattr(layer, "params", {})):
        layer.params[key] = np.array(layer.params[key], dtype=np.float64)


def away_from_kinks(x: np.ndarray, margin: float = 0.1) -> np.ndarray:
    """Move values within ``margin`` of 0 away from it: central differences are wrong right
    at a kink such as ReLU's."""
    return np.where(np.abs(x) < margin, np.where(x < 0, -margin, margin) + x, x)


def layer_gradients(layer, x: np.ndarray, rng: np.random.Generator) -> tuple[dict, dict, Precision]:
    """``(analytic, numerical, precision)``: dicts of ``grad_input`` and each
    ``grads[<param>]``, and the precision they should be compared at.

    The numerical gradients come first, from forward on copies of ``x``; only then does
    backward run, on copies of ``x`` and ``g``, so what it does to them changes nothing here."""
    x = np.array(x, dtype=np.float64)
    output = call(layer.forward, x)
    precision = precision_of(output)
    g = rng.normal(size=np.shape(output))

    def scalar() -> float:
        return float(np.sum(np.asarray(call(layer.forward, x), dtype=np.float64) * g))

    numerical = {"grad_input": numerical_gradient(scalar, x, precision.eps)}
    numerical.update({f"grads[{key!r}]": numerical_gradient(scalar, param, precision.eps)
                      for key, param in layer.params.items()})
    analytic = {"grad_input": call(layer.backward, x, g)}
    analytic.update({f"grads[{key!r}]": fresh(layer.grads.get(key)) for key in layer.params})
    return analytic, numerical, precision


# -- the usual slips, recognised from the numbers ----------------------------------------

def scale_of(mine, expected) -> float | None:
    """``s`` if ``mine`` is ``s × expected`` (to 1e-3: a gradient off by a constant factor),
    else ``None``."""
    mine, expected = np.asarray(mine, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if mine.shape != expected.shape or not np.any(expected) or not np.all(np.isfinite(mine)):
        return None
    s = float(np.sum(mine * expected) / np.sum(expected * expected))
    if s == 0:
        return None
    residual = np.linalg.norm(mine - s * expected) / (abs(s) * np.linalg.norm(expected))
    return s if residual < 1e-3 else None


def is_per_batch(scale: float | None, batch: int) -> bool:
    """True if ``scale`` is 1/batch: the gradient was averaged over the batch, not summed."""
    return scale is not None and batch > 1 and abs(scale * batch - 1) < 0.02


def averaged_message(what: str, batch: int, how: str = "") -> str:
    """The assignment's most common slip, in its own words: ``what`` ("your weight update")
    is 1/batch too small because grad_output was divided by the batch size twice."""
    head = (f"{what} is 1/N of what it should be (N = {batch}, the batch size): grad_output is "
            f"already divided by the batch size — the loss gradient does it — so ")
    if how == "grad_input":
        return head + "don't divide it again"
    mean = " (.mean(axis=0))" if how == "grad_output.sum(axis=0)" else ""
    return head + f"sum over the batch{f' ({how})' if how else ''}, don't average{mean}"


def compare_gradient(name: str, mine, numerical, batch: int, how: str = "", tolerance=TOLERANCE,
                     input=None, note: str = "") -> str:
    """``compare`` with the numerical gradient, naming the assignment's most common slip: a
    gradient exactly 1/batch of what it should be (``averaged_message``, with ``how``).
    ``note`` ends the detail (e.g. the precision it was compared at)."""
    try:
        return compare(name, mine, numerical, "numerical", tolerance, input=input) + note
    except Failed as failure:
        if is_per_batch(scale_of(mine, numerical), batch):
            raise Failed(averaged_message(f"your {name}", batch, how), failure.where) from None
        raise Failed(f"{failure}{note}", failure.where) from None


def how_to_sum(name: str, ndim: int, input_ndim: int = 2) -> str:
    """The sum a Dense's gradient for parameter ``name`` ("W", "b") takes, for messages
    ("" for image layers: their sums run over pixels too)."""
    if input_ndim != 2:
        return ""
    if ndim == 2 and name in ("W", "weights"):
        return "input.T @ grad_output, grad_output.sum(axis=0)"
    if ndim == 1 and name in ("b", "biases"):
        return "grad_output.sum(axis=0)"
    return ""
