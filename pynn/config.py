"""``TrainingConfig``: one validated description of a training recipe.

The CLI flags, the web studio's form (and its URL hash) and the build's pretrained model all
go through it, so a setting means the same thing everywhere and is checked in one place.
The defaults are the recipe that reaches ≥97% test accuracy on ``load_digits()``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from pynn.layers import ACTIVATIONS, INITIALIZERS
from pynn.network import Network, build_mlp
from pynn.optim import OPTIMIZERS, Optimizer, make_optimizer

MAX_UNITS = 4096
MAX_HIDDEN_LAYERS = 8


def parse_hidden(spec) -> tuple[int, ...]:
    """``"100,200"`` (or ``[100, 200]``) → ``(100, 200)``; ``""`` → ``()`` (no hidden layer).

    Raises ``ValueError`` naming the bad part.
    """
    if isinstance(spec, str):
        parts = [part.strip() for part in spec.split(",")] if spec.strip() else []
    elif isinstance(spec, (list, tuple)):
        parts = list(spec)
    else:
        raise ValueError(f"hidden layers must be sizes like '100,200', got {spec!r}")
    sizes = []
    for part in parts:
        text = str(part)
        if isinstance(part, bool) or not (isinstance(part, int) or text.isdigit()) or not 1 <= int(text) <= MAX_UNITS:
            raise ValueError(f"hidden layer sizes must be whole numbers from 1 to {MAX_UNITS}, "
                             f"got {text!r} in {spec!r}")
        sizes.append(int(text))
    if len(sizes) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(sizes)}")
    return tuple(sizes)


@dataclass(frozen=True)
class TrainingConfig:
    """A network architecture, an optimizer and how to train them.

    Architecture (changing it means a new network): ``hidden``, ``activation``, ``init``
    (``"auto"`` = He for ReLU-like, Glorot for sigmoid/tanh), ``dropout``.
    Optimizer: ``optimizer`` (``sgd``/``momentum``/``adam``), ``lr``, ``momentum`` (for
    ``momentum``), ``weight_decay``. Run: ``batch_size``, ``epochs``, ``shift`` (random
    shift augmentation in pixels), ``seed`` (weights, dropout, shuffling, shifts).
    """

    hidden: tuple[int, ...] = (256, 128)
    activation: str = "relu"
    init: str = "auto"
    dropout: float = 0.1
    optimizer: str = "adam"
    lr: float = 0.001
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int = 64
    epochs: int = 20
    shift: int = 2
    seed: int = 0

    ARCHITECTURE = ("hidden", "activation", "init", "dropout")

    def __post_init__(self):
        object.__setattr__(self, "hidden", parse_hidden(self.hidden))
        _one_of("activation", self.activation, ACTIVATIONS)
        _one_of("init", self.init, ("auto", *INITIALIZERS))
        _one_of("optimizer", self.optimizer, OPTIMIZERS)
        _number("dropout", self.dropout, 0.0, 0.95, "from 0 to 0.95")
        _number("lr", self.lr, 1e-7, 1e4, "from 1e-7 to 10000")
        _number("momentum", self.momentum, 0.0, 0.999, "from 0 to 0.999")
        _number("weight_decay", self.weight_decay, 0.0, 1.0, "from 0 to 1")
        _integer("batch_size", self.batch_size, 1, 65536)
        _integer("epochs", self.epochs, 1, 1000)
        _integer("shift", self.shift, 0, 8)
        _integer("seed", self.seed, 0, 2**32 - 1)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainingConfig":
        """Build from loose values (form fields, URL hash, JSON): numbers may be strings.

        Unknown keys raise ``ValueError`` naming them; missing keys take the defaults.
        """
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        coerced = {}
        for key, value in values.items():
            kind = type(getattr(cls(), key))
            if kind in (int, float) and isinstance(value, str):
                try:
                    value = kind(float(value)) if kind is float else int(value.strip())
                except ValueError:
                    raise ValueError(f"{key} must be a number, got {value!r}") from None
            coerced[key] = value
        return cls(**coerced)

    def to_dict(self) -> dict:
        """JSON-able settings; ``hidden`` as a list."""
        values = asdict(self)
        values["hidden"] = list(self.hidden)
        return values

    def build_network(self, input_units: int = 784, n_classes: int = 10) -> Network:
        """A freshly initialised network (seeded by ``seed``) with its optimizer attached."""
        return build_mlp(input_units, self.hidden, n_classes, self.activation,
                         None if self.init == "auto" else self.init, self.dropout,
                         rng=self.seed, optimizer=self.build_optimizer())

    def build_optimizer(self) -> Optimizer:
        extra = {"momentum": self.momentum} if self.optimizer == "momentum" else {}
        return make_optimizer(self.optimizer, lr=self.lr, weight_decay=self.weight_decay, **extra)

    def needs_new_network(self, other: "TrainingConfig") -> bool:
        """True when ``other`` changes the architecture (a Reset is needed to apply it)."""
        return any(getattr(self, key) != getattr(other, key) for key in self.ARCHITECTURE)


def _one_of(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _number(name, value, low, high, text):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be a number {text}, got {value!r}")


def _integer(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
