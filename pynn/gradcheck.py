"""Numerical gradients by central differences, to check every ``backward`` against ``forward``.

Everything runs in float64: in float32 the rounding error of ``f(x+eps) - f(x-eps)`` swamps
the difference (a correct float32 Dense would show a weight error of ~0.007), so
``check_layer_gradients`` converts the layer's parameters for the check and puts them back. The scalar we differentiate is ``sum(forward(x) * g)`` with a random
``g``, so that a wrong transpose or a wrong sign cannot cancel out.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pynn.layers import Layer


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


def check_layer_gradients(layer: Layer, x: np.ndarray, rng: np.random.Generator,
                          eps: float = 1e-6) -> dict[str, float]:
    """Relative error between ``backward`` and numerical gradients of ``layer`` at ``x``,
    for the input (``"input"``) and for every parameter (by name).

    The layer must be deterministic between calls (e.g. a Dropout with a fixed mask). Its
    parameters are checked in float64 and restored afterwards, whatever their dtype.
    """
    originals = dict(layer.params)
    layer.params.update({name: np.array(p, dtype=np.float64) for name, p in originals.items()})
    try:
        x = np.array(x, dtype=np.float64)
        g = rng.normal(size=np.shape(layer.forward(x)))

        def scalar() -> float:
            return float(np.sum(layer.forward(x) * g))

        grad_input = layer.backward(x, g)
        errors = {"input": relative_error(grad_input, numerical_gradient(scalar, x, eps))}
        for name, param in layer.params.items():
            errors[name] = relative_error(layer.grads[name], numerical_gradient(scalar, param, eps))
        return errors
    finally:
        layer.params.update(originals)
