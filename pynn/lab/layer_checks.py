"""The checks every layer exercise runs, in the order a learner fixes things: it builds, which
contract it follows (the notebook's or pynn's, ``pynn.lab.notebook_layers``), its output has
the right shape, ``backward`` keeps that contract, its gradients match central differences, it
agrees with pynn's own layer, and extreme inputs give no NaN.

An exercise file calls ``check_layer`` with how to build the learner's layer and, optionally,
pynn's reference layer and its own numeric asserts (``extra``). The learner's methods are only
ever called through ``checks.call`` (fresh copies of every array in and out), and pynn's
reference values are computed first, on arrays the learner's code never sees.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pynn.layers import Layer
from pynn.lab.checks import (Failed, Report, away_from_kinks, call, compare, compare_gradient,
                             fresh, how_to_sum, layer_gradients)
from pynn.lab.notebook_layers import check_notebook_layer, fresh_copy, recognise, to_float64

CONTRACT_HINT = ("pynn's way: backward only computes gradients; the optimizer changes the parameters",
                 "backward(input, grad_output) fills self.grads (same keys and shapes as "
                 "self.params) and returns grad_input, of the input's shape; it never changes "
                 "self.params")
AGREEMENT_HINT = ("the values named are yours and pynn's on the same input: compare your "
                  "formulas with the statement", "the where-line gives the element, its input "
                  "and both values")
# The formula stage of a gradient check's hint, for the parameters of the usual layers.
GRADIENT_FORMULAS = {"W": "for a Dense: dL/dW = input.T @ grad_output (summed over the batch, "
                          "not averaged)",
                     "b": "for a Dense: dL/db = grad_output.sum(axis=0)"}


def check_layer(report: Report, cls, make: Callable, *, input_shape=(4, 5), reference=None,
                extra: Callable[[Report, type], None] | None = None,
                extremes=(1e3, -1e3), seed: int = 0, output_ndim: int = 2,
                parameters: tuple[str, ...] = ()) -> None:
    """Run the standard checks on layer class ``cls``, written the notebook's way or pynn's.

    Args:
        make: ``make(cls)`` builds the learner's layer (e.g. ``lambda cls: construct(cls, 5,
            3, rng=0)``: ``notebook_layers.construct`` leaves out ``rng`` if it takes none).
        input_shape: a batch for the checks, ``[batch, units]`` (or ``[batch, channels,
            height, width]`` for image layers, with ``output_ndim=4``).
        reference: ``reference(layer)`` builds pynn's equivalent layer with the same
            parameters as ``layer``; ``None`` (own layers) skips the agreement check.
        extra: ``extra(report, cls)`` runs the exercise's own numeric asserts, after the
            shape check.
        extremes: input values that must give finite outputs and gradients.
        parameters: the parameters the layer must have, by pynn's names (``("W", "b")``; the
            notebook's ``self.weights`` and ``self.biases`` count as them).
    """
    rng = np.random.default_rng(seed)
    layer = contract = None

    def builds():
        nonlocal layer
        if not isinstance(cls, type):
            raise Failed(f"{cls!r} is not a class: write `class ...:` with forward and backward")
        for method in ("forward", "backward"):
            if not callable(getattr(cls, method, None)):
                raise Failed(f"{cls.__name__} has no {method} method")
        layer = make(cls)
        to_float64(layer)
        shown = repr(layer)
        return f"{cls.__name__} built" if " object at 0x" in shown else shown

    report.check("builds", builds, essential=True,
                 hint=("start from the starter code: the same class name and constructor arguments",
                       "class ...: with forward(self, input) and backward(self, input, grad_output)"))

    def which():
        nonlocal contract
        contract = recognise(layer, parameters)
        return contract.describe(cls.__name__)

    report.check("the contract", which, essential=True,
                 hint=("keep the parameters where one of the two ways looks for them",
                       "the notebook's way: self.weights, self.biases and self.learning_rate, with "
                       "the SGD step in backward; pynn's way: self.params and self.grads (call "
                       "super().__init__() first), the optimizer takes the step"))
    if report.stopped:
        return
    x = away_from_kinks(rng.normal(size=input_shape))

    def output_shape():
        out = np.asarray(call(layer.forward, x))
        if out.ndim != output_ndim or out.shape[0] != input_shape[0]:
            rest = ", units" if output_ndim == 2 else ", channels, height, width"
            raise Failed(f"forward of a {list(input_shape)} batch returned shape "
                         f"{out.shape}; expected [{input_shape[0]}{rest}]")
        return f"forward: {tuple(x.shape)} → {out.shape}"

    report.check("output shape", output_shape, essential=True, about=("forward",),
                 hint="forward(input) gets a whole batch [batch, units] and returns one row per example")
    if report.stopped:
        return
    if reference is not None:
        report.check("forward agrees with pynn's layer", lambda: _forward_agrees(layer, reference(layer), x),
                     about=("forward",),
                     hint=("read the statement's formula for the output again; the element named "
                           "is the worst one, with its input", "compare it with the statement, "
                           "element by element: the where-line gives the input and both outputs"))
    if extra is not None:
        extra(report, cls)
    if contract.way == "notebook":
        check_notebook_layer(report, layer, contract, x, rng, reference)
    else:
        _pynn_checks(report, layer, x, rng, reference)
    other = (input_shape[0] + 3, *input_shape[1:])
    if all(result.passed for result in report.results):   # else the cause is named already
        report.check(f"gradients for a batch of {other[0]} too",
                     lambda: _another_batch(report, layer, contract, away_from_kinks(rng.normal(size=other)), rng),
                     about=("grad_input", *contract.keys),
                     hint=("a gradient that is right for one batch size only",
                           "look for a number written where input.shape[0] (or a sum over the "
                           "batch) belongs"))
    for value in extremes:
        report.check(f"no NaN or inf for inputs of {value:g}",
                     lambda v=value: _finite(fresh_copy(layer, contract), x, v), about=("extremes",),
                     hint=("large inputs must not overflow",
                           "avoid exp() of big numbers and divisions that can reach 0/0"))


def _pynn_checks(report: Report, layer: Layer, x: np.ndarray, rng, reference) -> None:
    """pynn's contract: backward fills self.grads, the gradients, agreement with pynn."""
    keys = tuple(layer.params)
    report.check("backward keeps the contract", lambda: _contract(layer, x, rng),
                 about=("grad_input", *keys), hint=CONTRACT_HINT)
    analytic = numerical = precision = None

    def measure():
        nonlocal analytic, numerical, precision
        analytic, numerical, precision = layer_gradients(layer, x, rng)

    for name in ["grad_input", *(f"grads[{key!r}]" for key in layer.params)]:
        def gradient(name=name):
            if analytic is None:
                measure()
            note = f"; {precision.note}" if precision.note else ""
            how = "grad_input" if name == "grad_input" else how_to_sum(
                name[7:-2], np.ndim(numerical[name]), x.ndim)
            return compare_gradient(name, analytic[name], numerical[name], x.shape[0], how,
                                    precision.tolerance, input=x, note=note)
        what = "the input" if name == "grad_input" else f"parameter {name[6:-1]}"
        key = "grad_input" if name == "grad_input" else name[7:-2]
        report.check(f"gradient check: {name}", gradient, about=(key,),
                     hint=(f"backward's gradient with respect to {what} differs from central "
                           f"differences of forward: the where-line names the worst element",
                           GRADIENT_FORMULAS.get(key, "by the chain rule: grad_output times the "
                                                      "derivative of forward")))
    if reference is not None:
        report.check("agrees with pynn's layer", lambda: _agreement(layer, reference(layer), x, rng),
                     about=("grad_input", *keys), hint=AGREEMENT_HINT)


def _another_batch(report: Report, layer, contract, x: np.ndarray, rng) -> str:
    """The same gradient checks on a batch of another size, in a scratch report: a gradient
    that only fits the first batch (a hard-coded batch size) fails here."""
    scratch = Report(report.filename)
    if contract.way == "notebook":
        check_notebook_layer(scratch, fresh_copy(layer, contract), contract, x, rng)
    else:
        _pynn_checks(scratch, fresh_copy(layer, contract), x, rng, None)
    failed = next((result for result in scratch.results if not result.passed), None)
    if failed is not None:
        raise Failed(f"{failed.name} fails for a batch of {x.shape[0]}: {failed.detail}")
    return f"{len(scratch.results)} gradient checks pass for input {list(x.shape)}"


def _contract(layer: Layer, x: np.ndarray, rng) -> str:
    before = {key: np.array(value, copy=True) for key, value in layer.params.items()}
    g = rng.normal(size=np.shape(call(layer.forward, x)))
    grad_input = call(layer.backward, x, g)
    if grad_input is None:
        raise Failed("backward returned None: return grad_input")
    if np.shape(grad_input) != x.shape:
        raise Failed(f"backward returned shape {np.shape(grad_input)}; grad_input must have "
                     f"the input's shape {x.shape}")
    changed = [key for key in before if not np.array_equal(before[key], layer.params[key])]
    if changed:
        raise Failed(f"backward changed self.params[{changed[0]!r}]: only fill self.grads (the "
                     f"optimizer takes the step), or write the layer the notebook's way, with "
                     f"self.weights, self.biases and the step in backward")
    for key, value in layer.params.items():
        grad = layer.grads.get(key)
        if grad is None:
            raise Failed(f"self.grads has no {key!r} after backward (self.params has)")
        if np.shape(grad) != np.shape(value):
            turned = (": the product is transposed — for Dense, grads['W'] = input.T @ "
                      "grad_output has W's shape" if np.shape(grad) == np.shape(value)[::-1] else "")
            raise Failed(f"self.grads[{key!r}] has shape {np.shape(grad)}; self.params[{key!r}] "
                         f"has {np.shape(value)}{turned}")
    names = ", ".join(repr(k) for k in layer.params) or "no parameters"
    return f"returns grad_input {x.shape}; grads for {names}; params unchanged"


def _agreement(layer: Layer, reference: Layer, x: np.ndarray, rng) -> str:
    # pynn's answers first, on copies of their own: the learner's calls cannot change them
    expected_out = reference.forward(x.copy())
    g = rng.normal(size=np.shape(expected_out))
    expected_grad = reference.backward(x.copy(), g.copy())
    expected = {key: np.array(value, copy=True) for key, value in reference.grads.items()}
    compare("forward", call(layer.forward, x), expected_out, "pynn's", input=x)
    compare("grad_input", call(layer.backward, x, g), expected_grad, "pynn's", input=x)
    for key in reference.params:
        compare(f"grads[{key!r}]", fresh(layer.grads[key]), expected[key], "pynn's")
    return "forward, grad_input and every gradient equal pynn's (relative error < 1e-6)"


def _forward_agrees(layer, reference: Layer, x: np.ndarray) -> str:
    expected = reference.forward(x.copy())   # pynn's first, on a copy of its own
    compare("forward", call(layer.forward, x), expected, "pynn's", input=x)
    return "forward equals pynn's (relative error < 1e-6)"


def _finite(layer: Layer, x: np.ndarray, value: float) -> str:
    big = np.full_like(x, value)
    with np.errstate(all="ignore"):
        out = np.asarray(call(layer.forward, big), dtype=np.float64)
        grad = np.asarray(call(layer.backward, big, np.ones_like(out)), dtype=np.float64)
    for name, array in (("forward", out), ("grad_input", grad)):
        if not np.all(np.isfinite(array)):
            raise Failed(f"{name} gave {array[~np.isfinite(array)][0]} for inputs of {value:g}")
    return "forward and backward finite"
