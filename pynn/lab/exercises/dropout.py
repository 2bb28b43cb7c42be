"""Exercise 9: a Dropout layer ("what else to try"), checked statistically with a fixed seed.

Dropout is random, so its checks measure on large batches (100 000 numbers: the fraction
dropped is known to about ±0.15%, the tolerances are several times that) and test backward
against the mask of the forward call just before it: grad_input must be grad_output × (what
forward did to each number), which is the gradient with that mask held fixed."""

import numpy as np

from pynn.lab.checks import Failed, call, compare
from pynn.lab.notebook_layers import construct

TITLE = "Dropout"
ORDER = 9
TARGET = "Dropout"
RATE = 0.25
SHAPE = (400, 250)

SHAPES = [
    "input [batch, units] → output [batch, units]",
    "self.mask [batch, units], from the last forward",
    "grad_output [batch, units] → grad_input [batch, units]",
]

STATEMENT = """
"What else to try": dropout. While training, a Dropout layer zeroes each number of its
input with probability rate, and multiplies the numbers it keeps by 1 / (1 - rate), so that
the mean stays what it was. While evaluating it is the identity. self.training says which:
pynn's Network sets it to False to evaluate and back to True to train, as it does for its
own Dropout.

backward(input, grad_output) multiplies grad_output by the same mask (and scale) as the
forward call just before it: keep the mask in self.mask. Draw random numbers from self.rng.
"""

STARTER = '''
import numpy as np
from pynn import Layer


class Dropout(Layer):
    """Zeroes each number with probability rate while training (and scales the others by
    1 / (1 - rate)); the identity while evaluating."""

    def __init__(self, rate=0.5, rng=None):
        super().__init__()                  # sets self.training = True
        self.rate = rate
        self.rng = np.random.default_rng(rng)
        self.mask = None

    def forward(self, input):
        if not self.training:
            return input
        # TODO: keep each number with probability 1 - rate (self.rng.random(input.shape)
        # >= self.rate), scale the kept ones by 1 / (1 - rate), and remember that mask
        return input

    def backward(self, input, grad_output):
        if not self.training:
            return grad_output
        # TODO: grad_output times the mask (and scale) of the last forward
        return grad_output
'''

SOLUTION = '''
import numpy as np
from pynn import Layer


class Dropout(Layer):
    """Zeroes each number with probability rate while training (and scales the others by
    1 / (1 - rate)); the identity while evaluating."""

    def __init__(self, rate=0.5, rng=None):
        super().__init__()                  # sets self.training = True
        self.rate = rate
        self.rng = np.random.default_rng(rng)
        self.mask = None

    def forward(self, input):
        if not self.training:
            return input
        keep = self.rng.random(input.shape) >= self.rate
        self.mask = keep / (1 - self.rate)
        return input * self.mask

    def backward(self, input, grad_output):
        if not self.training:
            return grad_output
        return grad_output * self.mask
'''


def check(target, report):
    rng = np.random.default_rng(2024)          # not the layer's seed: its draws would match x's
    x = rng.uniform(0.5, 1.5, size=SHAPE)      # never 0: a 0 in the output is a dropped number
    g = rng.normal(size=SHAPE)
    scale = 1 / (1 - RATE)
    layer = None

    def build(rate=RATE):
        made = construct(target, rate, rng=0)
        if getattr(made, "training", None) is not True:
            raise Failed("self.training is not True after the constructor: set it there (pynn's "
                         "Layer.__init__ does: call super().__init__()); a Network turns it off to evaluate")
        return made

    def builds():
        nonlocal layer
        layer = build()
        return f"Dropout({RATE}) starts in training mode"

    report.check("builds", builds, essential=True,
                 hint=("build it as pynn builds its own Dropout: Dropout(rate, rng=None)",
                       "__init__(self, rate, rng=None): keep rate and rng, and set self.training = True"))
    if report.stopped:
        return

    def output_shape():
        out = np.asarray(call(layer.forward, x))
        if out.shape != x.shape:
            raise Failed(f"forward of a {list(x.shape)} batch returned shape {out.shape}; dropout keeps the shape")
        return f"forward: {x.shape} → {out.shape}"

    report.check("output shape", output_shape, essential=True,
                 about=("forward",), hint="forward returns an array of the input's shape")

    def dropped():
        out = np.asarray(call(build().forward, x), dtype=np.float64)
        fraction = float(np.mean(out == 0))
        if abs(fraction - RATE) < 0.01:
            return f"{fraction:.1%} of {out.size} numbers dropped with rate {RATE}"
        if abs(fraction - (1 - RATE)) < 0.01:
            raise Failed(f"{fraction:.1%} dropped with rate {RATE}: rate is the probability of "
                         f"dropping a number; keep it when self.rng.random(...) >= rate")
        raise Failed(f"{fraction:.1%} of the numbers dropped with rate {RATE}; expected about {RATE:.0%}")

    report.check("drops about rate of the numbers in training", dropped,
                 about=("drop",),
                 hint=("each number is dropped (set to 0) on its own, with probability rate",
                       "mask = self.rng.random(input.shape) >= self.rate keeps a number with "
                       "probability 1 - rate"))

    def scaled():
        out = np.asarray(call(build().forward, x), dtype=np.float64)
        kept = out != 0
        if not np.any(kept):
            raise Failed("forward dropped every number")
        ratio = out[kept] / x[kept]
        if np.all(kept) and np.allclose(ratio, 1):
            raise Failed("forward returned its input unchanged in training: nothing dropped, nothing scaled")
        if np.allclose(ratio, 1):
            raise Failed(f"the kept numbers are unchanged: you forgot the 1/(1 - rate) scaling "
                         f"(× {scale:.4g} for rate {RATE}), so the mean drops by {RATE:.0%} in "
                         f"training and the next layers see other numbers when evaluating")
        if not np.allclose(ratio, scale):
            raise Failed(f"kept numbers are multiplied by {np.median(ratio):.4g}; expected 1 / (1 - rate) = {scale:.4g}")
        return f"kept numbers × {scale:.4g}"

    report.check("kept numbers are scaled by 1 / (1 - rate)", scaled,
                 about=("scale",),
                 hint=("inverted dropout: the kept numbers grow so that, on average, nothing changes",
                       "input * mask / (1 - rate)"))

    def mean():
        out = np.asarray(call(build().forward, x), dtype=np.float64)
        ratio = float(out.mean() / x.mean())
        if abs(ratio - 1) > 0.02:
            raise Failed(f"the mean of the output is {ratio:.3f} × the input's; dropout must keep it")
        return f"output mean / input mean = {ratio:.4f}"

    report.check("the mean is kept", mean, about=("scale",),
                 hint=("dropping a fraction rate of the numbers shrinks the mean by that much: "
                       "the kept ones make up for it", "scale the kept numbers by 1 / (1 - rate)"))

    def same_mask():
        mine = build()
        out = np.asarray(call(mine.forward, x), dtype=np.float64)
        expected = g * out / x                  # the gradient with forward's mask held fixed
        grad = np.asarray(call(mine.backward, x, g), dtype=np.float64)
        if grad.shape != x.shape:
            raise Failed(f"backward returned shape {grad.shape}; expected the input's {x.shape}")
        if np.allclose(grad, g):
            raise Failed("backward returns grad_output unchanged: multiply it by the mask of forward")
        zeros, dropped_now = grad == 0, out == 0
        if not np.array_equal(zeros, dropped_now) and abs(np.mean(zeros) - RATE) < 0.02:
            raise Failed("backward drops other numbers than forward did: it draws a new mask; "
                         "keep forward's in self.mask and use that one")
        if np.array_equal(zeros, dropped_now) and np.allclose(grad[~zeros], g[~zeros]):
            raise Failed("backward uses forward's mask but not its 1/(1 - rate) scaling")
        return compare("grad_input", grad, expected, "expected (forward's mask)")

    report.check("backward uses forward's mask", same_mask,
                 about=("mask",),
                 hint=("the gradient flows only where the last forward kept a number, scaled as it was",
                       "keep the mask in self.mask in forward; backward returns "
                       "grad_output * self.mask / (1 - rate)"))

    def evaluation():
        mine = build()
        mine.training = False                   # what Network.eval() does to every layer
        out = np.asarray(call(mine.forward, x), dtype=np.float64)
        if not np.array_equal(out, x):
            raise Failed(f"with self.training False forward changed {np.mean(out != x):.0%} of the "
                         f"numbers: dropout only drops while training; evaluating, it is the identity")
        grad = np.asarray(call(mine.backward, x, g), dtype=np.float64)
        if not np.array_equal(grad, g):
            raise Failed("with self.training False backward changed grad_output: it is the identity too")
        return "forward and backward are the identity when self.training is False"

    report.check("evaluation mode is the identity", evaluation,
                 about=("evaluation",),
                 hint=("while evaluating (self.training is False) nothing is dropped or scaled",
                       "if not self.training: return input"))

    def rate_zero():
        mine = build(0.0)
        out = np.asarray(call(mine.forward, x), dtype=np.float64)
        grad = np.asarray(call(mine.backward, x, g), dtype=np.float64)
        if not (np.allclose(out, x) and np.allclose(grad, g)):
            raise Failed("Dropout(0.0) changed its input or gradient: with rate 0 nothing is dropped")
        return "Dropout(0.0) is the identity"

    report.check("no dropping when rate = 0", rate_zero,
                 about=("drop",),
                 hint=("with rate 0 every number must be kept: look at the comparison that "
                       "decides", "keep a number when self.rng.random(...) >= self.rate"))
