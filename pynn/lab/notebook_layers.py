"""Layers written the notebook's way: parameters in ``self.weights`` and ``self.biases``, and
the SGD step taken inside ``backward`` with ``self.learning_rate``.

The assignment's notebook has its own ``Layer`` base class, and its Dense updates itself in
``backward``. pynn's layers keep their parameters in ``self.params``, fill ``self.grads`` and
leave the step to an optimizer, so that SGD can be swapped for Adam. The lab accepts both:
``recognise`` says which contract a learner's layer follows, and ``check_notebook_layer``
checks the notebook's one (``pynn.lab.layer_checks`` checks pynn's):

- ``grad_input`` against central differences of ``sum(forward(x) * g)`` computed with the
  weights *before* the update (``g`` is the grad_output handed in);
- the update: ``new − old`` must be ``−learning_rate ×`` the numerical gradient of the same sum
  with respect to that parameter. The notebook's loss gradient already divides by the batch
  size, so the layer sums over the batch;
- the usual slips, named from the numbers: an update 1/batch too small (averaged, not summed),
  ``grad_input`` computed with the updated weights, a transposed gradient, no update at all.

A backward that updates changes its layer, so backward never runs twice on one object: each
measurement runs on its own ``copy.deepcopy`` of the layer as it was built.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass

import numpy as np

from pynn.gradcheck import numerical_gradient
from pynn.lab.checks import (Failed, averaged_message, call, compare, compare_gradient, how_to_sum,
                             in_float64, is_per_batch, precision_of, scale_of)

UPDATED_FIRST = ("your grad_input uses the weights after the update: compute grad_input "
                 "(grad_output @ self.weights.T) first, then change self.weights — the "
                 "gradient flows through the weights forward used")
# The notebook's attribute → pynn's key in ``params``.
NOTEBOOK_NAMES = {"weights": "W", "biases": "b"}
PYNN_NAMES = {key: name for name, key in NOTEBOOK_NAMES.items()}


@dataclass(frozen=True)
class Contract:
    """How a layer keeps its parameters: ``way`` is ``"notebook"`` (attributes ``names``,
    updated in backward) or ``"pynn"`` (keys ``names`` of ``self.params``)."""

    way: str
    names: tuple[str, ...]

    def describe(self, class_name: str) -> str:
        """The line the checks show: which contract ``class_name`` follows."""
        if not self.names:
            return (f"your {class_name} follows {self.title}; it has no parameters, so backward "
                    f"only returns grad_input")
        if self.way == "notebook":
            return (f"your {class_name} follows the notebook's contract: backward updates "
                    f"{_and(f'self.{name}' for name in self.names)} with self.learning_rate")
        return (f"your {class_name} follows pynn's contract: backward fills "
                f"{_and(f'self.grads[{key!r}]' for key in self.names)}; an optimizer updates self.params")

    @property
    def keys(self) -> tuple[str, ...]:
        """The parameters by pynn's names (``W``, ``b``), whichever way the layer keeps them."""
        return tuple(NOTEBOOK_NAMES.get(name, name) for name in self.names)

    @property
    def title(self) -> str:
        return "the notebook's contract" if self.way == "notebook" else "pynn's contract"


def _and(items) -> str:
    items = list(items)
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def recognise(layer, required: tuple[str, ...] = ()) -> Contract:
    """The contract ``layer`` follows; ``Failed`` naming what is missing if it lacks one of the
    ``required`` parameters (pynn's names: ``("W", "b")``) or, updating in backward, a
    ``learning_rate``."""
    name = type(layer).__name__
    params = getattr(layer, "params", None)
    found = tuple(n for n in NOTEBOOK_NAMES if isinstance(getattr(layer, n, None), np.ndarray))
    both = ("the notebook's way names them self.weights and self.biases (backward takes the "
            "SGD step); pynn's way self.params['W'] and self.params['b'] (an optimizer does)")
    if isinstance(params, dict) and (params or not found):
        missing = [key for key in required if key not in params]
        if missing:
            raise Failed(f"your {name}'s self.params has no {missing[0]!r}: {both}")
        return Contract("pynn", tuple(params))
    missing = [PYNN_NAMES[key] for key in required if PYNN_NAMES.get(key) not in found]
    if missing and not found:
        raise Failed(f"your {name} keeps no parameters the lab can find: {both}")
    if missing:
        raise Failed(f"your {name} has self.{found[0]} but no self.{missing[0]}")
    if found:
        rate = getattr(layer, "learning_rate", None)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) or not rate > 0:
            raise Failed(f"your {name} has self.{found[0]} but no self.learning_rate (a positive "
                         f"number): the notebook's layer takes learning_rate=0.1 in its "
                         f"constructor, keeps it, and uses it for the SGD step in backward")
    return Contract("notebook", found)


def parameters(layer) -> dict[str, np.ndarray]:
    """The layer's parameters by pynn's names (``W``, ``b``), whichever way it keeps them."""
    params = getattr(layer, "params", None)
    if isinstance(params, dict) and params:
        return dict(params)
    return {key: getattr(layer, name) for name, key in NOTEBOOK_NAMES.items()
            if isinstance(getattr(layer, name, None), np.ndarray)}


def set_parameter(layer, key: str, value: np.ndarray) -> None:
    """Give the layer's parameter ``key`` (pynn's name) the value ``value``."""
    params = getattr(layer, "params", None)
    if isinstance(params, dict) and key in params:
        params[key] = value
    else:
        setattr(layer, PYNN_NAMES.get(key, key), value)


def to_float64(layer) -> None:
    """The layer's parameters in float64, whichever way it keeps them."""
    in_float64(layer)
    for name in NOTEBOOK_NAMES:
        if isinstance(getattr(layer, name, None), np.ndarray):
            setattr(layer, name, np.array(getattr(layer, name), dtype=np.float64))


def construct(cls, *args, **kwargs):
    """``cls(*args, **kwargs)`` without the keyword arguments its constructor does not take
    (the notebook's Dense has no ``rng``: it draws from numpy's global random state, which is
    seeded with 0 for the call and put back after it)."""
    try:
        accepted = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        accepted = None
    if accepted is not None and not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        kwargs = {key: value for key, value in kwargs.items() if key in accepted}
    state = np.random.get_state()
    np.random.seed(0)
    try:
        return cls(*args, **kwargs)
    finally:
        np.random.set_state(state)


@dataclass
class _Measured:
    numerical: dict          # "grad_input" and each parameter name → central differences
    precision: object
    grad_input: object       # what the learner's backward returned
    before: dict             # each parameter before backward
    after: object            # the copy of the layer backward ran on (updated)


def check_notebook_layer(report, layer, contract: Contract, x: np.ndarray, rng, reference=None) -> None:
    """The notebook-contract checks of ``layer`` (never run itself: each measurement gets a
    copy) on the batch ``x``: backward's return and shapes, ``grad_input``, the SGD step of
    each parameter, and agreement with pynn's layer (``reference(layer)``)."""
    names, batch = contract.names, x.shape[0]
    rate = float(layer.learning_rate) if names else 0.0
    g = rng.normal(size=np.shape(call(copy.deepcopy(layer).forward, x)))
    measured: list[_Measured] = []

    def measure() -> _Measured:
        if measured:
            return measured[0]
        probe = copy.deepcopy(layer)      # the expected values first, on a copy of our own
        xp = np.array(x, dtype=np.float64)
        precision = precision_of(call(probe.forward, xp))

        def scalar() -> float:
            return float(np.sum(np.asarray(call(probe.forward, xp), dtype=np.float64) * g))

        numerical = {"grad_input": numerical_gradient(scalar, xp, precision.eps)}
        numerical.update({name: numerical_gradient(scalar, getattr(probe, name), precision.eps)
                          for name in names})
        before = {name: np.array(getattr(layer, name), dtype=np.float64) for name in names}
        after = copy.deepcopy(layer)
        grad_input = call(after.backward, x, g)
        measured.append(_Measured(numerical, precision, grad_input, before, after))
        return measured[0]

    def keeps() -> str:
        m = measure()
        if m.grad_input is None:
            raise Failed("backward returned None: return grad_input, the gradient with respect to input")
        if np.shape(m.grad_input) != x.shape:
            raise Failed(f"backward returned shape {np.shape(m.grad_input)}; grad_input must "
                         f"have the input's shape {x.shape}")
        for name in names:
            _new_value(m, name)
        kept = _and(f"self.{name} {m.before[name].shape}" for name in names)
        return f"returns grad_input {x.shape}" + (f"; {kept} keep their shapes" if names else "")

    report.check("backward keeps the contract", keeps, about=("grad_input", *contract.keys),
                 hint=("backward returns grad_input, of the input's shape"
                       + (", and takes the SGD step on the parameters, which keep their shapes"
                          if names else "; this layer has no parameters to update"),
                       "self.weights = self.weights - self.learning_rate * grad_weights, the "
                       "same for the biases" if names else "return grad_output times the "
                       "derivative of forward at input"))

    def gradient() -> str:
        m = measure()
        note = f"; {m.precision.note}" if m.precision.note else ""
        try:
            return compare_gradient("grad_input", m.grad_input, m.numerical["grad_input"], batch,
                                    "grad_input", m.precision.tolerance, input=x, note=note)
        except Failed as failure:
            if names and _matches_updated(m, x, g):
                raise Failed(UPDATED_FIRST, failure.where) from None
            raise

    report.check("gradient check: grad_input", gradient, about=("grad_input",),
                 hint=("backward's gradient with respect to the input differs from central "
                       "differences of forward (with the weights before the update): the "
                       "where-line names the worst element",
                       "grad_input = grad_output @ self.weights.T for a Dense, computed before "
                       "the update" if names else "grad_input = grad_output times the "
                       "derivative of forward at input, elementwise"))
    for name in names:
        report.check(f"the SGD step: self.{name}", lambda name=name: _step(measure(), name, rate, x),
                     about=(NOTEBOOK_NAMES[name],),
                     hint=(f"backward ends with one SGD step on self.{name}, using the loss's "
                           f"gradient with respect to it, added up over the batch",
                           f"self.{name} = self.{name} - self.learning_rate * grad_{name}, with "
                           + ("grad_weights = input.T @ grad_output" if name == "weights"
                              else "grad_biases = grad_output.sum(axis=0)")))
    if reference is not None:
        report.check("agrees with pynn's layer", lambda: _agreement(layer, reference(layer), x, g, rate),
                     about=("grad_input", *contract.keys),
                     hint=("the values named are yours and pynn's on the same input: compare "
                           "your formulas with the statement", "the where-line gives the "
                           "element, its input and both values"))


def _new_value(m: _Measured, name: str) -> np.ndarray:
    new, old = getattr(m.after, name, None), m.before[name]
    if not isinstance(new, np.ndarray):
        raise Failed(f"after backward, self.{name} is {type(new).__name__}: keep it an array")
    if new.shape != old.shape:
        turned = (": its gradient is transposed — for Dense, grad_weights = input.T @ grad_output "
                  "has the weights' shape" if new.shape == old.shape[::-1] else "")
        raise Failed(f"backward changed self.{name}'s shape from {old.shape} to {new.shape}{turned}")
    return np.asarray(new, dtype=np.float64)


def _matches_updated(m: _Measured, x: np.ndarray, g: np.ndarray) -> bool:
    """True if the learner's grad_input is the one of the layer *after* its update."""
    probe = copy.deepcopy(m.after)
    xp = np.array(x, dtype=np.float64)
    try:
        numerical = numerical_gradient(
            lambda: float(np.sum(np.asarray(call(probe.forward, xp), dtype=np.float64) * g)),
            xp, m.precision.eps)
        compare("grad_input", m.grad_input, numerical, "numerical", m.precision.tolerance)
    except Exception:
        return False
    return True


def _step(m: _Measured, name: str, rate: float, x: np.ndarray) -> str:
    old, new = m.before[name], _new_value(m, name)
    step, expected = new - old, -rate * m.numerical[name]
    if not np.any(step) and np.any(expected):
        raise Failed(f"backward did not change self.{name}: the notebook's layer takes its SGD "
                     f"step in backward (self.{name} = self.{name} - self.learning_rate * grad_{name})")
    what = {"weights": "your weight update", "biases": "your bias update"}.get(name, f"your update of self.{name}")
    try:
        detail = compare(f"new − old self.{name}", step, expected, "expected", m.precision.tolerance)
    except Failed as failure:
        scale, batch = scale_of(step, expected), x.shape[0]
        if is_per_batch(scale, batch):
            raise Failed(averaged_message(what, batch, how_to_sum(name, old.ndim, x.ndim)), failure.where) from None
        if scale is not None and abs(scale + 1) < 0.02:
            raise Failed(f"{what} goes uphill: subtract self.learning_rate * grad_{name}", failure.where) from None
        if scale is not None and abs(scale * rate - 1) < 0.02:
            raise Failed(f"{what} is the whole gradient: multiply it by self.learning_rate", failure.where) from None
        if scale is not None:
            raise Failed(f"{what} is {scale:.3g} × what it should be (−learning_rate × the "
                         f"gradient of sum(forward(input) * grad_output), summed over the batch)", failure.where) from None
        if old.ndim == 2 and old.shape[0] == old.shape[1] and scale_of(step, expected.T) is not None:
            raise Failed(f"{what} is transposed: grad_{name} = input.T @ grad_output", failure.where) from None
        raise
    return f"new − old = −learning_rate × gradient ({detail})"


def _agreement(layer, reference, x: np.ndarray, g: np.ndarray, rate: float) -> str:
    # pynn's answers first, on copies of their own
    expected_out = reference.forward(x.copy())
    expected_grad = reference.backward(x.copy(), g.copy())
    expected = {key: np.array(value, copy=True) for key, value in reference.grads.items()}
    mine = copy.deepcopy(layer)
    compare("forward", call(mine.forward, x), expected_out, "pynn's", input=x)
    before = {key: np.array(value, dtype=np.float64) for key, value in parameters(mine).items()}
    compare("grad_input", call(mine.backward, x, g), expected_grad, "pynn's", input=x)
    after = parameters(mine)
    for key in reference.params:
        step = (np.asarray(after[key], dtype=np.float64) - before[key]) / -rate
        compare(f"(new − old self.{PYNN_NAMES.get(key, key)}) / −learning_rate", step,
                expected[key], "pynn's")
    steps = " and every step" if reference.params else ""
    return f"forward, grad_input{steps} equal pynn's (relative error < 1e-6)"


def fresh_copy(layer, contract: Contract):
    """The layer to run one more backward on: a copy for the notebook's contract (backward
    changes it), the layer itself for pynn's."""
    return copy.deepcopy(layer) if contract.way == "notebook" else layer


__all__ = ["Contract", "NOTEBOOK_NAMES", "check_notebook_layer", "construct", "fresh_copy",
           "parameters", "recognise", "set_parameter", "to_float64"]
