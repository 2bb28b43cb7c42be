"""One vocabulary for checking what comes in: numbers, choices, seeds and arrays.

Every layer, optimizer, ``TrainingConfig``, the training loop, io, data, draw and the bridge
check their arguments with these functions, so the same mistake gets the same words
everywhere. The rules:

- a wrong *type* raises ``TypeError``, a wrong *value* ``ValueError``; both messages name the
  parameter and show the bad value;
- numpy scalars (``np.int64(3)``, ``np.float32(0.1)``) count like Python numbers, and
  ``True``/``False`` are not numbers;
- integer arrays are accepted wherever float arrays are, and turned into floats.

Checks run once where data enters (a layer's constructor, a ``fit`` call, a request from
the page), not inside the per-batch hot path.

>>> check_number("lr", 0.1, low=0, low_open=True)
0.1
>>> check_int("epochs", True)
Traceback (most recent call last):
...
TypeError: epochs must be a whole number, got True
"""

from __future__ import annotations

import math
import numbers

import numpy as np

SEED_MAX = 2**32 - 1


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def is_number(value) -> bool:
    """A real number (Python or numpy, int or float), but not a bool."""
    return isinstance(value, numbers.Real) and not _is_bool(value)


def is_int(value) -> bool:
    """A whole number type (Python or numpy int), but not a bool."""
    return isinstance(value, numbers.Integral) and not _is_bool(value)


def format_number(value) -> str:
    """``4294967295`` and ``0.95`` as written, ``1e-07`` in short form."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else f"{value:g}"


def _range_text(low, high, low_open, high_open) -> str:
    lo, hi = (None if v is None else format_number(v) for v in (low, high))
    if lo is not None and hi is not None:
        if not (low_open or high_open):
            return f"from {lo} to {hi}"
        return f"in {'(' if low_open else '['}{lo}, {hi}{')' if high_open else ']'}"
    if lo is not None:
        return f"{'>' if low_open else '>='} {lo}"
    if hi is not None:
        return f"{'<' if high_open else '<='} {hi}"
    return ""


def check_number(name: str, value, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite ``float`` within ``[low, high]`` (or open at either end)."""
    rule = _range_text(low, high, low_open, high_open)
    if not is_number(value):
        raise TypeError(f"{name} must be a number{' ' + rule if rule else ''}, got {value!r}")
    number = float(value)
    inside = math.isfinite(number)
    if inside and low is not None:
        inside = number > low if low_open else number >= low
    if inside and high is not None:
        inside = number < high if high_open else number <= high
    if not inside:
        raise ValueError(f"{name} must be a {'number ' + rule if rule else 'finite number'}, "
                         f"got {value!r}")
    return number


def check_int(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an ``int`` within ``[low, high]``; floats such as ``2.0`` are refused."""
    rule = _range_text(low, high, False, False)
    if not is_int(value):
        raise TypeError(f"{name} must be a whole number{' ' + rule if rule else ''}, got {value!r}")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{name} must be a whole number {rule}, got {value!r}")
    return number


def check_positive_int(name: str, value) -> int:
    return check_int(name, value, low=1)


def check_choice(name: str, value, choices) -> str:
    """``value`` if it is one of ``choices`` (strings), else a message listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def check_seed(name: str, value) -> int | np.random.Generator:
    """A seed (whole number from 0 to 2³²−1) or a ``np.random.Generator``, returned as is."""
    if isinstance(value, np.random.Generator):
        return value
    if not is_int(value):
        raise TypeError(f"{name} must be a whole number from 0 to {SEED_MAX} or a "
                        f"np.random.Generator, got {value!r}")
    return check_int(name, value, low=0, high=SEED_MAX)


def as_float_array(x, name: str = "input") -> np.ndarray:
    """``x`` as a float array: floats are kept (no copy), integers become float64.

    What every layer calls first, so that an integer array gives the same result as the
    same numbers as floats. Booleans, strings and objects are refused."""
    x = np.asarray(x)
    if x.dtype.kind == "f":
        return x
    if x.dtype.kind in "iu":
        return x.astype(np.float64)
    raise TypeError(f"{name} must be an array of numbers, got dtype {x.dtype}")


def check_array(name: str, x, *, ndim: int | None = None, finite: bool = True) -> np.ndarray:
    """``x`` as a float array (integers converted), with ``ndim`` dimensions and, if
    ``finite``, no NaN or infinity (the message says where the first one is)."""
    x = as_float_array(x, name)
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {x.shape}")
    if finite and not np.isfinite(x).all():
        bad = ~np.isfinite(x)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"row {first[0]}, column {first[1]}" if x.ndim == 2 else f"index {first}"
        raise ValueError(f"{name} contains NaN or infinite values "
                         f"({int(bad.sum())} of them; the first at {where})")
    return x


def check_features(x, n_features: int | None = None, name: str = "x") -> np.ndarray:
    """``x`` as a finite float array of shape ``[n_samples, n_features]``, not empty.

    Integer arrays (e.g. uint8 pixels) become float32, the network's dtype."""
    x = np.asarray(x)
    if x.dtype.kind in "iu":
        x = x.astype(np.float32)
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape [n_samples, n_features], got shape {x.shape}"
                         + (" (a single sample? use x.reshape(1, -1))" if x.ndim == 1 else ""))
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 samples)")
    if n_features is not None and x.shape[1] != n_features:
        raise ValueError(f"{name} has {x.shape[1]} features per sample, the network expects {n_features}")
    return check_array(name, x)


def check_labels(y, n_samples: int, n_classes: int, name: str = "y") -> np.ndarray:
    """``y`` as an int64 array of ``n_samples`` class labels in ``[0, n_classes)``.

    Floats holding whole numbers (``3.0``) are accepted; booleans are not."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(f"{name} has {y.shape[0]} labels for {n_samples} samples")
    if y.dtype.kind == "f":
        bad = ~np.isfinite(y) | (y != np.round(y))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name} must hold whole-number class labels, got {y[i].item()!r} at index {i}")
    elif y.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        i = int(np.flatnonzero((y < 0) | (y >= n_classes))[0])
        raise ValueError(f"{name} labels must be in [0, {n_classes - 1}], got {y[i].item()!r} at index {i}")
    return y.astype(np.int64, copy=False)
