"""Optimizers own the update rule and its state; layers only compute gradients.

An optimizer is handed ``(name, param, grad)`` triples (``Network.parameters()``) and updates
each ``param`` in place. Per-parameter state (momentum, Adam's moments) is keyed by the same
dotted names (``"0.W"``), so it can be saved and restored next to the weights.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from pynn.checks import check_choice, check_number
from pynn.ops import sub_scaled


class Optimizer:
    """Base class: validates the shared hyperparameters; subclasses write ``_update``.

    Args:
        lr: learning rate, > 0. Can be changed between steps (``opt.lr = 0.01``).
        weight_decay: L2 penalty ``weight_decay * param`` added to each gradient (as in
            ``torch.optim``), >= 0. Default is 0.
    """

    SLOTS: tuple[str, ...] = ()  # per-parameter state arrays, saved as "<slot>.<param name>"
    label = "Optimizer"          # what the page's form shows for it (a row of OPTIMIZERS)

    def __init__(self, lr: float, weight_decay: float = 0.0):
        self.lr = lr
        self.weight_decay = check_number("weight_decay", weight_decay, low=0.0)
        self.state: dict[str, np.ndarray] = {}
        self.steps = 0

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = check_number("lr", value, low=0.0, low_open=True)

    def step(self, parameters) -> None:
        """Apply one update to every ``(name, param, grad)`` in ``parameters``."""
        self.steps += 1
        for name, param, grad in parameters:
            if self.weight_decay:
                grad = grad + self.weight_decay * param
            self._update(name, param, grad)

    def _update(self, name: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def _slot(self, key: str, like: np.ndarray) -> np.ndarray:
        """Per-parameter state array, created as zeros on first use."""
        if key not in self.state:
            self.state[key] = np.zeros_like(like)
        return self.state[key]

    def config(self) -> dict:
        """Hyperparameters as JSON-able values; ``make_optimizer(**config)`` rebuilds it."""
        return {"type": type(self).__name__, "lr": self.lr, "weight_decay": self.weight_decay}

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the optimizer state, keyed by name (e.g. ``"m.0.W"``), plus ``"steps"``."""
        out = {key: value.copy() for key, value in self.state.items()}
        out["steps"] = np.array(self.steps)
        return out

    def load_state_dict(self, state: dict[str, np.ndarray], params: dict[str, np.ndarray]) -> None:
        """Restore ``state_dict()`` output for the parameters ``params`` (name → array).

        Checked first, then applied, so a bad state changes nothing: every slot of every
        parameter present with the parameter's shape (or no state at all, as in a
        weights-only file), and ``steps`` a whole number >= 0."""
        state = dict(state)
        steps = np.asarray(state.pop("steps", 0))
        if steps.shape != () or steps.dtype.kind not in "iu" or steps < 0:
            raise ValueError(f"optimizer steps must be a whole number >= 0, got {steps!r}")
        expected = {f"{slot}.{name}": param.shape for name, param in params.items()
                    for slot in self.SLOTS}
        if state:
            missing = sorted(set(expected) - set(state))
            extra = sorted(set(state) - set(expected))
            if missing or extra:
                raise ValueError(f"the {type(self).__name__} state does not fit the network: "
                                 f"missing {missing}, unexpected {extra}")
        for key, value in state.items():
            value = np.asarray(value)
            if value.shape != expected[key]:
                raise ValueError(f"optimizer state {key} has shape {value.shape}; its "
                                 f"parameter has shape {expected[key]}")
            if value.dtype.kind != "f":
                raise ValueError(f"optimizer state {key} must hold floats, got dtype {value.dtype}")
        self.steps = int(steps)
        self.state = {key: np.array(value) for key, value in state.items()}

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self.config().items() if k != "type")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Plain gradient descent: ``param -= lr * grad``. The assignment's default is lr=0.1."""

    label = "SGD"

    def __init__(self, lr: float = 0.1, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)

    def _update(self, name, param, grad):
        sub_scaled(param, self.lr, grad)    # param -= lr * grad (by pynn's kernel in the page)


class Momentum(Optimizer):
    """SGD with momentum: ``v = momentum * v - lr * grad; param += v``.

    With ``nesterov=True`` the step looks ahead: ``param += momentum * v - lr * grad``.

    Args:
        lr: learning rate. Default is 0.01.
        momentum: in [0, 1). Default is 0.9.
        nesterov: Default is False.
    """

    SLOTS = ("v",)
    label = "SGD + momentum"

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, nesterov: bool = False,
                 weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.momentum = check_number("momentum", momentum, low=0.0, high=1.0, high_open=True)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        self.nesterov = bool(nesterov)

    def _update(self, name, param, grad):
        v = self._slot(f"v.{name}", param)
        v *= self.momentum
        v -= self.lr * grad
        if self.nesterov:
            param += self.momentum * v - self.lr * grad
        else:
            param += v

    def config(self):
        return {**super().config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma & Ba): per-parameter steps scaled by running gradient moments.

    ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g²``,
    ``param -= lr_t * m / (sqrt(v) + eps)`` with ``lr_t = lr * sqrt(1-b2^t) / (1-b1^t)``:
    the bias corrections folded into the step size (the paper's efficient form, §2).

    Args:
        lr: Default is 0.001. beta1: Default is 0.9. beta2: Default is 0.999.
        eps: Default is 1e-8.
    """

    SLOTS = ("m", "v")
    label = "Adam"

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.beta1 = check_number("beta1", beta1, low=0.0, high=1.0, high_open=True)
        self.beta2 = check_number("beta2", beta2, low=0.0, high=1.0, high_open=True)
        self.eps = check_number("eps", eps, low=0.0, low_open=True)

    def _update(self, name, param, grad):
        m = self._slot(f"m.{name}", param)
        v = self._slot(f"v.{name}", param)
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * np.square(grad)
        t = self.steps
        step = self.lr * math.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)
        param -= step * m / (np.sqrt(v) + self.eps)

    def config(self):
        return {**super().config(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


# The optimizers by name: the recipes, the form and the CLI (through pynn.config.FIELDS, with
# each class's label), model files and the tests read it.
OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(type: str = "sgd", **hyperparameters) -> Optimizer:
    """Build an optimizer by its name in ``OPTIMIZERS`` (``"sgd"``, ``"momentum"``,
    ``"adam"``; any case).

    >>> make_optimizer("adam", lr=0.01)
    Adam(lr=0.01, weight_decay=0.0, beta1=0.9, beta2=0.999, eps=1e-08)
    """
    name = type.lower() if isinstance(type, str) else type
    cls = OPTIMIZERS[check_choice("optimizer", name, OPTIMIZERS)]
    allowed = set(inspect.signature(cls).parameters)
    unknown = sorted(str(key) for key in hyperparameters if key not in allowed)
    if unknown:
        raise ValueError(f"{cls.__name__} has no hyperparameter(s) {', '.join(unknown)}; "
                         f"it takes {', '.join(sorted(allowed))}")
    return cls(**hyperparameters)
