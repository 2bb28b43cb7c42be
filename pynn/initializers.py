"""How layers draw their starting weights: the table ``INITIALIZERS`` and ``init_weights``,
for Dense matrices and Conv2D kernels alike."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pynn.checks import check_choice


@dataclass(frozen=True)
class Initializer:
    """A way to draw starting weights: ``draw(rng, shape, fan_in, fan_out)`` gives float64
    values; ``label`` is what the page's form shows."""

    label: str
    draw: Callable[..., np.ndarray]


def _glorot(rng, shape, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


# The initializers by name (``init=`` of Dense and Conv2D, the recipe's "Initializer"):
# - "small": the assignment's ``N(0, 1) * 0.01``;
# - "glorot": Glorot/Xavier uniform, limit ``sqrt(6 / (fan_in + fan_out))``; keeps the variance
#   of tanh/sigmoid activations steady;
# - "he": He normal, std ``sqrt(2 / fan_in)``; the right scale in front of ReLU, which zeroes
#   half of its inputs.
INITIALIZERS = {
    "small": Initializer("small (×0.01)", lambda rng, shape, fan_in, fan_out:
                         rng.normal(0.0, 1.0, size=shape) * 0.01),
    "glorot": Initializer("Glorot", _glorot),
    "he": Initializer("He", lambda rng, shape, fan_in, fan_out:
                      rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)),
}


def weight_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight array: a Dense matrix is ``[fan_in, fan_out]``;
    convolution kernels ``[filters, channels, k, k]`` take ``channels·k·k`` values in and
    give ``filters·k·k`` out."""
    if len(shape) == 2:
        return shape[0], shape[1]
    filters, channels, *kernel = shape
    return channels * math.prod(kernel), filters * math.prod(kernel)


def init_weights(shape: tuple[int, ...], init: str, rng, dtype=np.float32) -> np.ndarray:
    """Draw weights of ``shape`` (a Dense matrix ``(fan_in, fan_out)`` or Conv2D kernels, see
    ``weight_fans``) with the initializer ``init``, one of ``INITIALIZERS``."""
    fan_in, fan_out = weight_fans(shape)
    draw = INITIALIZERS[check_choice("init", init, INITIALIZERS)].draw
    return draw(rng, shape, fan_in, fan_out).astype(dtype)
