"""Exercise 11: a better initialisation ("what else to try"): He's, for layers before a ReLU.

The learner writes ``he_normal(input_units, output_units, rng)``. Its numbers are random, so
the checks are statistical: 40 000 draws give the standard deviation to about ±0.4%, and the
tolerance is 3%, tight enough to tell He's from LeCun's (−29%) or Xavier's (−11%)."""

import numpy as np

from pynn.lab.checks import Failed, call

TITLE = "A better initialisation"
ORDER = 11
TARGET = "he_normal"
SIZES = (400, 100)
TOLERANCE = 0.03

SHAPES = [
    "he_normal(input_units, output_units, rng) → W [input_units, output_units]",
]

STATEMENT = """
"What else to try": a better initialisation. The assignment starts W with normal numbers
× 0.01: fine for 3 layers, but each Dense + ReLU then shrinks the signal, and a deep network
barely learns. ReLU zeroes about half of its inputs, which halves the variance of what goes
through; He's initialisation makes up for it: W normal with mean 0 and standard deviation
sqrt(2 / input_units), so the signal keeps its size from layer to layer.

Write he_normal(input_units, output_units, rng): an array [input_units, output_units] drawn
from rng (a np.random.Generator: rng.normal), so the same seed gives the same weights. Then
try it in your Dense.
"""

STARTER = '''
import numpy as np


def he_normal(input_units, output_units, rng):
    """Starting weights for a Dense layer followed by ReLU: [input_units, output_units],
    normal, mean 0, standard deviation sqrt(2 / input_units), drawn from rng."""
    # TODO: the standard deviation He's initialisation asks for, instead of 0.01
    return rng.normal(size=(input_units, output_units)) * 0.01
'''

SOLUTION = '''
import numpy as np


def he_normal(input_units, output_units, rng):
    """Starting weights for a Dense layer followed by ReLU: [input_units, output_units],
    normal, mean 0, standard deviation sqrt(2 / input_units), drawn from rng."""
    return rng.normal(size=(input_units, output_units)) * np.sqrt(2 / input_units)
'''


def _others(fan_in: int, fan_out: int) -> dict[str, float]:
    """The usual slips, by the standard deviation they give."""
    return {"the assignment's 0.01": 0.01,
            "LeCun's sqrt(1 / input_units): He's has a 2 in it, for the half ReLU zeroes": np.sqrt(1 / fan_in),
            "sqrt(2 / output_units): He's divides by input_units, the number of inputs each unit sums": np.sqrt(2 / fan_out),
            "Xavier/Glorot's sqrt(2 / (input_units + output_units)), made for tanh and sigmoid": np.sqrt(2 / (fan_in + fan_out)),
            "2 / input_units: that is the variance; the standard deviation is its square root": 2 / fan_in}


def check(target, report):
    fan_in, fan_out = SIZES
    he = float(np.sqrt(2 / fan_in))
    weights = None

    def shape():
        nonlocal weights
        weights = np.asarray(call(target, fan_in, fan_out, np.random.default_rng(0)), dtype=np.float64)
        if weights.shape != SIZES:
            raise Failed(f"he_normal({fan_in}, {fan_out}, rng) returned shape {weights.shape}; "
                         f"expected {SIZES}, [input_units, output_units]")
        if not np.all(np.isfinite(weights)):
            raise Failed("the weights hold NaN or inf")
        return f"he_normal({fan_in}, {fan_out}, rng) → {weights.shape}"

    report.check("shape [input_units, output_units]", shape, essential=True,
                 hint=("W multiplies input [batch, input_units] on the right",
                       "shape (input_units, output_units)"))
    if report.stopped:
        return

    def uses_rng():
        again = np.asarray(call(target, fan_in, fan_out, np.random.default_rng(0)), dtype=np.float64)
        other = np.asarray(call(target, fan_in, fan_out, np.random.default_rng(1)), dtype=np.float64)
        if not np.array_equal(again, weights):
            raise Failed("two calls with the same seed gave different weights: draw from the rng "
                         "you are given (rng.normal), not from np.random")
        if np.array_equal(other, weights):
            raise Failed("another seed gave the same weights: draw them from rng")
        return "the same seed gives the same weights, another seed others"

    report.check("uses the rng it is given", uses_rng,
                 hint=("draw from the rng you are given: a seed then makes a run repeatable",
                       "rng.normal(size=(input_units, output_units))"))

    def centred():
        mean, spread = float(weights.mean()), 5 * weights.std() / np.sqrt(weights.size)
        if abs(mean) > max(spread, 1e-12):
            raise Failed(f"the weights' mean is {mean:.3g}; it must be 0 (up to ±{spread:.1g} by chance)")
        return f"mean {mean:.1e}"

    report.check("mean 0", centred, hint=("normal numbers around 0: do not shift them",
                                          "rng.normal(...) * std, with nothing added"))

    def standard_deviation():
        std = float(weights.std())
        if abs(std / he - 1) < TOLERANCE:
            excess = float(np.mean(((weights - weights.mean()) / std) ** 4) - 3)
            shape_note = "" if abs(excess) < 0.5 else " (uniform numbers: He's uniform variant also works)"
            return (f"std {std:.4f}, He's sqrt(2 / {fan_in}) = {he:.4f}{shape_note}: ReLU zeroes "
                    f"half of its inputs and halves the variance; the 2 makes up for it, so the "
                    f"signal keeps its size through the layers")
        for what, value in _others(fan_in, fan_out).items():
            if abs(std / value - 1) < TOLERANCE:
                raise Failed(f"std {std:.4g} is {what}; He's is sqrt(2 / input_units) = {he:.4g}")
        raise Failed(f"std {std:.4g}; He's is sqrt(2 / input_units) = {he:.4g}")

    report.check("std is He's sqrt(2 / input_units)", standard_deviation,
                 about=("std",),
                 hint=("rng.normal(...) has standard deviation 1: scale it to He's, which depends "
                       "on input_units only", "multiply by np.sqrt(2 / input_units)"))

    def deep():
        rng, x = np.random.default_rng(3), np.random.default_rng(4).normal(size=(64, 256))
        start, signal = float(np.mean(x ** 2)), x
        for _ in range(10):
            w = np.asarray(call(target, 256, 256, rng), dtype=np.float64)
            signal = np.maximum(0, signal @ w)
        end = float(np.mean(signal ** 2))
        # each Dense + ReLU multiplies the mean square by about 256 × std² / 2; He's keeps it
        if not 0.25 < end / start < 4:
            raise Failed(f"through 10 Dense + ReLU layers the mean square of the signal went from "
                         f"{start:.2f} to {end:.3g}: it should keep its size")
        return f"through 10 Dense + ReLU layers the mean square of the signal goes {start:.2f} → {end:.2f}"

    report.check("the signal keeps its size through 10 ReLU layers", deep,
                 about=("std",),
                 hint=("ReLU halves the variance of what goes through: the weights' variance "
                       "makes up for it", "std sqrt(2 / input_units): each Dense + ReLU then "
                       "keeps the mean square"))
