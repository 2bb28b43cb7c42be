"""Checks that teach: each one a line with pass/fail, what was measured and, on failure,
what to look at.

The learner's layer always runs in float64 here (its parameters are converted), so a correct
layer never fails on rounding: in float32, ``f(x + eps) - f(x - eps)`` is mostly noise.
Gradients are checked by central differences of ``sum(forward(x) * g)`` with a random ``g``,
so a wrong transpose or sign cannot cancel out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from pynn.gradcheck import numerical_gradient
from pynn.lab.runner import explain

TOLERANCE = 1e-6  # worst relative error of a correct float64 backward is ~1e-9


@dataclass
class CheckResult:
    """One line of the results: ``name``, ``passed``, ``detail`` (what was measured or the
    error) and ``hint`` (what to look at; only shown on failure)."""

    name: str
    passed: bool
    detail: str = ""
    hint: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        mark = "PASS" if self.passed else "FAIL"
        extra = "" if self.passed or not self.hint else f"\n       hint: {self.hint}"
        detail = f": {self.detail}" if self.detail else ""
        return f"[{mark}] {self.name}{detail}{extra}"


class Failed(Exception):
    """Raised inside a check: the check fails with this message as its detail."""


class Report:
    """Runs checks in order and collects their results; a check that raises fails with the
    learner's own traceback, and ``stopped`` skips the rest once a basic check failed."""

    def __init__(self, filename: str | None = None):
        self.filename = filename
        self.results: list[CheckResult] = []
        self.stopped = False

    def check(self, name: str, run: Callable[[], str | None], hint: str = "",
              essential: bool = False) -> bool:
        """Run ``run()`` (it returns a detail string or raises ``Failed``)."""
        if self.stopped:
            return False
        try:
            detail, passed = run() or "", True
        except Failed as failure:
            detail, passed = str(failure), False
        except Exception as error:  # the learner's code raised: show where, in their lines
            detail, passed = explain(error, self.filename), False
        self.results.append(CheckResult(name, passed, detail, "" if passed else hint))
        if essential and not passed:
            self.stopped = True
        return passed

    def fail(self, name: str, detail: str, hint: str = "") -> None:
        """Record a failed check without running anything (e.g. the code did not load)."""
        self.results.append(CheckResult(name, False, detail, hint))
        self.stopped = True

    @property
    def passed(self) -> bool:
        return bool(self.results) and not self.stopped and all(r.passed for r in self.results)

    def to_dict(self) -> dict:
        return {"passed": self.passed, "results": [r.to_dict() for r in self.results]}

    def __str__(self) -> str:
        n_passed = sum(r.passed for r in self.results)
        lines = [str(result) for result in self.results]
        if self.stopped:
            lines.append("(the other checks did not run: fix the failure above first)")
        lines.append(f"{n_passed} of {len(self.results)} checks passed")
        return "\n".join(lines)


# -- measuring ---------------------------------------------------------------------------

def _index_text(index: tuple) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def compare(name: str, mine: np.ndarray, expected: np.ndarray, what: str, tolerance=TOLERANCE) -> str:
    """Detail text if ``mine`` matches ``expected`` (relative error below ``tolerance``);
    else ``Failed`` naming the worst element: "grad_input[2, 5]: yours 0.0, numerical 0.31"."""
    mine = np.asarray(mine, dtype=np.float64)
    if mine.shape != expected.shape:
        raise Failed(f"{name} has shape {mine.shape}; expected {expected.shape}")
    if not np.all(np.isfinite(mine)):
        index = tuple(np.argwhere(~np.isfinite(mine))[0])
        raise Failed(f"{name}{_index_text(index)} is {mine[index]} (not a finite number)")
    difference = np.abs(mine - expected)
    scale = np.max(np.abs(mine) + np.abs(expected))
    error = 0.0 if scale == 0 else float(np.max(difference) / scale)
    if error < tolerance:
        return f"worst relative error {error:.1e}"
    index = tuple(np.unravel_index(np.argmax(difference), difference.shape))
    raise Failed(f"{name}: worst relative error {error:.2g} at {name}{_index_text(index)}: "
                 f"yours {mine[index]:.6g}, {what} {expected[index]:.6g}")


def in_float64(layer) -> None:
    """Convert the layer's parameters (and gradients) to float64 in place."""
    for key in list(getattr(layer, "params", {})):
        layer.params[key] = np.array(layer.params[key], dtype=np.float64)


def away_from_kinks(x: np.ndarray, margin: float = 0.1) -> np.ndarray:
    """Move values within ``margin`` of 0 away from it: central differences are wrong right
    at a kink such as ReLU's."""
    return np.where(np.abs(x) < margin, np.where(x < 0, -margin, margin) + x, x)


def layer_gradients(layer, x: np.ndarray, rng: np.random.Generator) -> tuple[dict, dict]:
    """``(analytic, numerical)``: dicts of ``grad_input`` and each ``grad_<param>``."""
    g = rng.normal(size=np.shape(layer.forward(x)))

    def scalar() -> float:
        return float(np.sum(layer.forward(x) * g))

    analytic = {"grad_input": layer.backward(x, g)}
    analytic.update({f"grads[{key!r}]": layer.grads.get(key) for key in layer.params})
    numerical = {"grad_input": numerical_gradient(scalar, x)}
    numerical.update({f"grads[{key!r}]": numerical_gradient(scalar, param)
                      for key, param in layer.params.items()})
    return analytic, numerical
