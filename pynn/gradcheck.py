"""Numerical gradients by central differences, to check every ``backward`` against ``forward``.

Everything runs in float64: in float32 the rounding error of ``f(x+eps) - f(x-eps)`` swamps
the difference (a correct float32 Dense would show a weight error of ~0.007), so
``check_layer_gradients`` converts the layer's parameters for the check and puts them back. The scalar we differentiate is ``sum(forward(x) * g)`` with a random
``g``, so that a wrong transpose or a wrong sign cannot cancel out.

The layer under test is a guest: the expected (numerical) gradients are computed first, from
arrays it never sees, and every call into it gets fresh copies of ``x`` and ``g``. So a
``backward`` that divides or zeroes ``grad_output`` in place cannot change the answer it is
compared with, and a layer that changes its input fails the check.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pynn.layers import Layer
from pynn.rng import as_rng


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d x by central differences; ``x`` is changed in place and put back."""
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = f()
        x[index] = original - eps
        minus = f()
        x[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``max |a - b| / max(|a| + |b|)`` — 0 for equal arrays, ~1 for unrelated ones."""
    scale = np.max(np.abs(a) + np.abs(b))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)


def _call(layer: Layer, method: str, x: np.ndarray, *g: np.ndarray):
    """``layer.<method>`` on fresh copies of ``x`` (and ``g``); ``AssertionError`` if it
    changed its input. (A change to ``grad_output`` harms nobody; a wrong gradient from it
    fails on the numbers.)"""
    given = x.copy()
    result = getattr(layer, method)(given, *(array.copy() for array in g))
    if not np.array_equal(given, x, equal_nan=True):
        raise AssertionError(f"{layer!r}.{method} changed its input in place: a layer must not "
                             f"change its input (in a network the layer before needs it again)")
    return result


def _gradients(layer: Layer, x, rng, eps: float) -> tuple[dict, dict]:
    """``(numerical, analytic)`` gradients by name (``"input"`` and each parameter), with
    the layer's parameters in float64 for the while (put back afterwards)."""
    rng = as_rng(rng)  # a bad rng is refused before the layer is touched
    originals = dict(layer.params)
    layer.params.update({name: np.array(p, dtype=np.float64) for name, p in originals.items()})
    try:
        x = np.array(x, dtype=np.float64)
        g = rng.normal(size=np.shape(_call(layer, "forward", x)))
        probe = x.copy()  # the numerical gradient perturbs this one; the layer sees copies

        def scalar() -> float:
            return float(np.sum(_call(layer, "forward", probe) * g))

        # The expected values first, before the layer's backward could change anything.
        numerical = {"input": numerical_gradient(scalar, probe, eps)}
        for name, param in layer.params.items():
            numerical[name] = numerical_gradient(scalar, param, eps)
        _call(layer, "forward", x)  # as in a network: forward, then backward on that input
        analytic = {"input": _call(layer, "backward", x, g)}
        analytic.update({name: layer.grads[name] for name in layer.params})
        return numerical, {name: np.asarray(value, dtype=np.float64) for name, value in analytic.items()}
    finally:
        layer.params.update(originals)


def check_layer_gradients(layer: Layer, x: np.ndarray, rng=None, eps: float = 1e-6) -> dict[str, float]:
    """Relative error between ``backward`` and numerical gradients of ``layer`` at ``x``,
    for the input (``"input"``) and for every parameter (by name).

    ``rng`` (a seed or a ``np.random.Generator``; ``None``: numpy's global state) draws the
    random ``g``. The layer must be deterministic between calls (e.g. a Dropout with a fixed
    mask). Its parameters are checked in float64 and restored afterwards, whatever their
    dtype. Raises ``AssertionError`` if the layer changes its input in place.
    """
    numerical, analytic = _gradients(layer, x, rng, eps)
    return {name: relative_error(analytic[name], numerical[name]) for name in numerical}


def assert_layer_gradients(layer: Layer, x: np.ndarray, rng=None, tolerance: float = 1e-6,
                           eps: float = 1e-6) -> None:
    """``check_layer_gradients``, raising ``AssertionError`` that names each gradient whose
    relative error reaches ``tolerance``: its worst element, and whether ``backward`` gave
    all zeros where the numerical gradient is not."""
    numerical, analytic = _gradients(layer, x, rng, eps)
    problems = []
    for name, expected in numerical.items():
        got = analytic[name]
        if got.shape != expected.shape:
            problems.append(f"{name}: backward gave shape {got.shape}, expected {expected.shape}")
            continue
        error = relative_error(got, expected)
        if error < tolerance:
            continue
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), expected.shape)
        why = (" — backward gave all zeros where the numerical gradient is not"
               if not got.any() else "")
        problems.append(f"{name}: relative error {error:.3g}{why}; worst at {tuple(map(int, worst))}: "
                        f"backward {got[worst]:.6g}, numerical {expected[worst]:.6g}")
    if problems:
        raise AssertionError(f"{layer!r}: gradients do not match ({'; '.join(problems)})")
