"""The assignment's training loop, run with the learner's own code wherever they wrote it.

The assignment ends with a loop: build the network ``784-100-200-10`` (Dense, ReLU), then
every epoch ``for x, y in iterate_minibatches(X_train, y_train, batchsize=32, shuffle=True):
train(network, x, y)`` and print the train and validation accuracy from ``predict``. Here
each piece of that loop is the learner's if their file defines it and it passes its
exercise's checks, and pynn's otherwise::

    parts = learner_parts(code)                  # runs their file and its checks as a guest
    parts.model_line()                           # "your ReLU, your Dense, pynn's loss, ..."
    for event in assignment_steps(parts, X_train, y_train, X_val, y_val, epochs=10):
        ...                                      # AssignmentBatch, then AssignmentEpoch
    reference = reference_steps(X_train, y_train, X_val, y_val, epochs=10)   # all pynn's

pynn's pieces follow the assignment's contract: its layers are ``NotebookDense`` and
``NotebookReLU`` (``pynn.lab.reference_layers``: the SGD step inside ``backward``), the loss
functions are ``pynn.losses``'s, the free functions ``pynn.assignment``'s. A learner's layer
written pynn's way (``params``/``grads``, no step in ``backward``) is given its step after
``backward``; one that steps by itself is left as it is. A learner's function that calls
another piece by name (their ``train`` calling ``forward``) gets the piece the run uses.

Randomness is numpy's global state, as in the assignment, seeded from ``seed``; the run keeps
its own copy of that state and puts the caller's back around each step, so two runs driven
in turns (the learner's and the reference) do not disturb each other or the caller. The same
seed gives the learner's Dense (``np.random.randn(...) * 0.01``) the reference's initial
weights and the same batches: correct code trains exactly like the reference.

Learner code runs as a guest (``pynn.lab.guard``) when its file is run and checked, when the
network is built, for the first batch of every epoch and for the accuracies: what it changes
in pynn or numpy there is put back and ends the run with ``LearnerCodeError``. The other
batches run bare: the guard costs ~2 ms, and made an epoch 3× slower (1.8 s instead of 0.6 s
for two epochs of 8000 digits, measured natively) — the same trade as the studio's "Train
with my layers", which guards building and timing the learner's layers, not each step.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import types
from dataclasses import asdict, dataclass, field

import numpy as np

import pynn.lab
from pynn import assignment, losses
from pynn.checks import check_positive_int
from pynn.lab.function_checks import global_random
from pynn.lab.guard import guest
from pynn.lab.reference_layers import NotebookDense, NotebookReLU, SelfUpdating
from pynn.lab.runner import LEARNER_FILE, LearnerCodeError, run_code

TRAIN_ACCURACY_EXAMPLES = 1000  # train accuracy on the first 1000 examples: 8× less predicting
NO_VISIT = types.SimpleNamespace(changes=())


@dataclass(frozen=True)
class Part:
    """A piece of the assignment: the names the learner's file defines for it and the
    exercise whose checks it must pass."""

    name: str
    exercise: str
    names: tuple[str, ...]


PARTS = (
    Part("ReLU", "relu", ("ReLU",)),
    Part("Dense", "dense", ("Dense",)),
    Part("loss", "softmax", ("softmax_crossentropy_with_logits",
                             "grad_softmax_crossentropy_with_logits")),
    Part("forward", "forward", ("forward",)),
    Part("predict", "predict", ("predict",)),
    Part("train", "train", ("train",)),
    Part("iterate_minibatches", "iterate_minibatches", ("iterate_minibatches",)),
)
PYNN_OBJECTS = {
    "ReLU": NotebookReLU, "Dense": NotebookDense,
    "softmax_crossentropy_with_logits": losses.softmax_crossentropy_with_logits,
    "grad_softmax_crossentropy_with_logits": losses.grad_softmax_crossentropy_with_logits,
    "forward": assignment.forward, "predict": assignment.predict, "train": assignment.train,
    "iterate_minibatches": assignment.iterate_minibatches,
}


@dataclass(frozen=True)
class AssignmentParts:
    """What a run uses: ``objects`` by name (``"Dense"``, ``"train"``, ...), which parts are
    the learner's (``theirs``, names of ``PARTS``) and, for the others, why pynn's is used."""

    objects: dict
    theirs: tuple[str, ...] = ()
    why_not: dict = field(default_factory=dict)

    def whose(self) -> dict[str, str]:
        """``{"ReLU": "yours", "loss": "pynn's", ...}`` for every part, in the loop's order."""
        return {part.name: "yours" if part.name in self.theirs else "pynn's" for part in PARTS}

    def model_line(self) -> str:
        """"your ReLU, your Dense, pynn's loss, your forward, ..." """
        return ", ".join(f"{'your' if whose == 'yours' else whose} {name}"
                         for name, whose in self.whose().items())

    def to_dict(self) -> dict:
        return {"whose": self.whose(), "model_line": self.model_line(), "why_not": dict(self.why_not)}


def pynn_parts() -> AssignmentParts:
    """Every part pynn's: the reference run."""
    return AssignmentParts(dict(PYNN_OBJECTS), (), {part.name: "the reference" for part in PARTS})


def _defined_in(value, module: str) -> bool:
    return callable(value) and getattr(value, "__module__", None) == module


def learner_parts(code: str, filename: str = LEARNER_FILE) -> AssignmentParts:
    """Run the learner's file and take each part it defines whose exercise's checks all pass.
    ``LearnerCodeError`` if the file does not run, or changes pynn or numpy."""
    with guest() as visit:
        namespace = run_code(code, filename)
    if visit.changes:
        raise LearnerCodeError(f"your code changed {visit.changes[0]} (the lab put it back): "
                               f"a file for the assignment only defines its functions and classes")
    module, objects, theirs, why_not = namespace["__name__"], dict(PYNN_OBJECTS), [], {}
    for part in PARTS:
        defined = [name for name in part.names if _defined_in(namespace.get(name), module)]
        if len(defined) < len(part.names):
            why_not[part.name] = f"your file does not define {' and '.join(part.names)}"
            continue
        report = pynn.lab.get(part.exercise).check(code, filename)
        if not report.passed:
            first = next((r for r in report.results if not r.passed), None)
            why_not[part.name] = (f"it does not pass the {part.exercise} checks yet"
                                  + (f" ({first.name})" if first else ""))
            continue
        objects.update({name: namespace[name] for name in part.names})
        theirs.append(part.name)
    return AssignmentParts(_rebound(objects, module), tuple(theirs), why_not)


def _rebound(objects: dict, module: str) -> dict:
    """The learner's functions, each seeing the run's parts under their names (so their
    ``train`` calls the ``forward`` the run uses, theirs or pynn's)."""
    out = dict(objects)
    for name, value in objects.items():
        if isinstance(value, types.FunctionType) and value.__module__ == module:
            function = types.FunctionType(value.__code__, {**value.__globals__, **objects},
                                          value.__name__, value.__defaults__, value.__closure__)
            function.__kwdefaults__ = value.__kwdefaults__
            out[name] = function
    return out


# -- the run -------------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignmentBatch:
    """One minibatch trained (``epoch`` and ``batch`` count from 1); ``loss`` is what
    ``train`` returned, ``running_loss`` the mean over this epoch's batches so far."""

    epoch: int
    batch: int
    n_batches: int
    loss: float
    running_loss: float

    def to_dict(self) -> dict:
        return {"type": "batch", **asdict(self)}


@dataclass(frozen=True)
class AssignmentEpoch:
    """One epoch done: the mean of its batches' losses, and the accuracy of ``predict`` on
    the first ``train_examples`` training examples and on the whole validation set."""

    epoch: int
    epochs: int
    loss: float
    train_accuracy: float
    val_accuracy: float
    train_examples: int

    def to_dict(self) -> dict:
        return {"type": "epoch", **asdict(self)}


def _build(cls, args: tuple, lr: float, rng_seed):
    """``cls(*args)``, with ``learning_rate`` and ``rng`` (a Generator from ``rng_seed``, if
    not None) when its constructor takes them."""
    accepts = inspect.signature(cls).parameters
    kwargs = {}
    if "learning_rate" in accepts:
        kwargs["learning_rate"] = lr
    if "rng" in accepts and rng_seed is not None:
        kwargs["rng"] = np.random.default_rng(rng_seed)
    layer = cls(*args, **kwargs)
    if hasattr(layer, "learning_rate"):
        layer.learning_rate = lr
    return layer


def _steps_by_itself(layer, units: int) -> bool:
    """Whether ``layer``'s backward changes its own ``params`` (the assignment's way), tried
    on a copy; a layer without ``params`` has nothing for anyone else to step on."""
    params = getattr(layer, "params", None)
    if not isinstance(params, dict) or not params:
        return True
    probe = copy.deepcopy(layer)
    before = {key: np.array(value, copy=True) for key, value in probe.params.items()}
    x = np.random.default_rng(0).normal(size=(2, units))
    probe.backward(x, np.ones_like(np.asarray(probe.forward(x))))
    return any(not np.array_equal(before[key], probe.params[key]) for key in before)


def build_network(parts: AssignmentParts, sizes, lr: float, seed: int) -> list:
    """The assignment's network through ``sizes`` (Dense, ReLU, ..., Dense) from ``parts``,
    every layer taking its SGD step in backward. Uses numpy's global random state."""
    network = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        for cls, args, units in ([(parts.objects["ReLU"], (), n_in)] if index else []) + \
                [(parts.objects["Dense"], (n_in, n_out), n_in)]:
            # a learner's Dense(..., rng=None) would be seeded from nowhere; pynn's draws from
            # numpy's global state, as the assignment's (and the learner's randn) does
            rng_seed = None if cls is NotebookDense else [seed, len(network)]
            layer = _build(cls, args, lr, rng_seed)
            if cls in (NotebookDense, NotebookReLU):
                network.append(layer)
            else:
                network.append(SelfUpdating(layer, lr, steps=not _steps_by_itself(layer, units)))
    return network


def assignment_steps(parts: AssignmentParts, X_train, y_train, X_val, y_val, *, epochs: int = 10,
                     batch_size: int = 32, lr: float = 0.1, hidden=(100, 200), seed: int = 0,
                     train_examples: int = TRAIN_ACCURACY_EXAMPLES):
    """The assignment's training loop with ``parts``, as a generator: an ``AssignmentBatch``
    after every minibatch (stop any time: just stop iterating), an ``AssignmentEpoch`` after
    every epoch. The train accuracy is measured on the first ``train_examples`` training
    examples only, for speed (the assignment uses them all); the validation accuracy on all.
    ``LearnerCodeError`` if the learner's code changes pynn or numpy during a step."""
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    n_classes = int(max(np.max(y_train), np.max(y_val))) + 1
    sizes = (np.shape(X_train)[1], *hidden, n_classes)
    objects, state = parts.objects, seed
    train, predict, iterate = objects["train"], objects["predict"], objects["iterate_minibatches"]
    subset = slice(0, min(train_examples, len(X_train)))

    def step(action, guarded=True):
        """``action()`` with the run's own global random state, as a guest if ``guarded``."""
        nonlocal state
        with (guest() if guarded else contextlib.nullcontext(NO_VISIT)) as visit, \
                global_random(state) as held:
            result = action()
        if visit.changes:
            raise LearnerCodeError(f"your code changed {visit.changes[0]} during training "
                                   f"(the lab put it back): the run stops here")
        state = held["state"]
        return result

    network = step(lambda: build_network(parts, sizes, lr, seed))
    n_batches = len(X_train) // batch_size
    for epoch in range(1, epochs + 1):
        batches = step(lambda: iter(iterate(X_train, y_train, batch_size, shuffle=True)))
        done = object()
        losses_so_far = []
        while True:
            def one_batch():
                item = next(batches, done)
                return done if item is done else float(train(network, *item))

            loss = step(one_batch, guarded=not losses_so_far)
            if loss is done:
                break
            losses_so_far.append(loss)
            yield AssignmentBatch(epoch, len(losses_so_far), n_batches, loss,
                                  float(np.mean(losses_so_far)))
        train_accuracy = step(lambda: float(np.mean(predict(network, X_train[subset]) == y_train[subset])))
        val_accuracy = step(lambda: float(np.mean(predict(network, X_val) == y_val)))
        yield AssignmentEpoch(epoch, epochs, float(np.mean(losses_so_far)) if losses_so_far else float("nan"),
                              train_accuracy, val_accuracy, subset.stop)


def reference_steps(X_train, y_train, X_val, y_val, **recipe):
    """``assignment_steps`` with every part pynn's: the same recipe and seed, for the faint
    reference curve."""
    return assignment_steps(pynn_parts(), X_train, y_train, X_val, y_val, **recipe)
