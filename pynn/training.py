"""Training as a steppable generator, and ``fit`` as a thin loop over it.

``train_steps`` sets up a run and yields after every minibatch (``BatchEnd``), after every
piece of the validation pass (``Validating``) and at the end of each epoch (``EpochEnd``), so
no step between two yields is longer than a batch or a piece. Whoever drives it decides how
much to run: the web worker runs ~30 ms slices between UI messages, the CLI draws a progress
bar, ``fit`` runs to the end.
Stopping is simply not calling ``next()``; calling it again resumes exactly where it was.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import numpy as np

from pynn.checks import check_features, check_int, check_labels, check_positive_int, check_seed
from pynn.errors import TrainingDiverged
from pynn.metrics import loss_and_accuracy
from pynn.mnist import INPUT_UNITS, SIDE
from pynn.network import Network
from pynn.optim import Optimizer

SNAPSHOT_EVERY = 20  # batches between copies of the last good weights (divergence recovery)


@dataclass(frozen=True)
class BatchEnd:
    """One minibatch done. ``epoch`` and ``batch`` count from 1."""

    epoch: int
    batch: int
    n_batches: int
    loss: float
    size: int


@dataclass(frozen=True)
class Validating:
    """A piece of the validation pass after epoch ``epoch`` is done: ``rows`` of ``total``."""

    epoch: int
    rows: int
    total: int


@dataclass(frozen=True)
class EpochEnd:
    """One epoch done. ``loss``/``accuracy`` are running means over the epoch's batches
    (training mode: dropout and shifts on, as Keras reports them); ``val_*`` are measured
    after the epoch in eval mode, or None without validation data."""

    epoch: int
    epochs: int
    loss: float
    accuracy: float
    val_loss: float | None = None
    val_accuracy: float | None = None

    def logs(self) -> dict[str, float]:
        """Keras-style metrics: ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``."""
        return {k: v for k, v in asdict(self).items() if k not in ("epoch", "epochs") and v is not None}


def random_shifts(x: np.ndarray, max_shift: int, rng: np.random.Generator,
                  side: int = SIDE) -> np.ndarray:
    """Move each ``side×side`` image (rows of ``x``) by its own random whole-pixel offset in
    ``[-max_shift, max_shift]`` both ways, filling with 0: cheap augmentation that teaches
    the network that a digit is the same digit a little to the left."""
    n, m = len(x), max_shift
    padded = np.pad(x.reshape(n, side, side), ((0, 0), (m, m), (m, m)))
    dy = rng.integers(0, 2 * m + 1, size=n)[:, None, None]
    dx = rng.integers(0, 2 * m + 1, size=n)[:, None, None]
    grid = np.arange(side)
    return padded[np.arange(n)[:, None, None], dy + grid[:, None], dx + grid].reshape(n, -1)


def train_steps(network: Network, x: np.ndarray, y: np.ndarray, *, epochs: int,
                batch_size: int = 32, validation_data: tuple | None = None,
                optimizer: Optimizer | None = None, shift: int = 0, seed=0,
                eval_batch_size: int = 1000) -> Iterator[BatchEnd | Validating | EpochEnd]:
    """Set up a training run; returns a generator of ``BatchEnd`` / ``EpochEnd`` events.

    Args:
        network: trained in place.
        x, y: ``[n, input_units]`` features and ``[n]`` integer labels.
        epochs: passes over the data. batch_size: rows per step (the last batch of an epoch
            may be smaller). Default is 32.
        validation_data: ``(x_val, y_val)`` measured after every epoch. Default is none.
        optimizer: replaces ``network.optimizer`` for this and later steps. Default: keep it.
        shift: augment each batch by random shifts of up to this many pixels (28×28 inputs
            only). Default is 0 (off).
        seed: seed or Generator for the shuffling and the shifts. Same seed, same network
            state → bit-identical weights.
        eval_batch_size: rows per piece of the validation pass (one ``Validating`` event
            each). Default is 1000.

    Everything is validated here, before the first step, and a bad argument changes
    nothing. After every update the loss and the weights (and after every epoch the
    validation loss) must be finite: if not, the generator puts back the last good weights
    and raises ``TrainingDiverged``.
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a pynn Network, got {network!r}")
    x = check_features(x, network.input_units)
    y = check_labels(y, len(x), network.n_classes)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (x_val, y_val)")
        x_val, y_val = validation_data
        x_val = check_features(x_val, network.input_units, "x_val")
        validation_data = (x_val, check_labels(y_val, len(x_val), network.n_classes, "y_val"))
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    shift = check_int("shift", shift, low=0, high=8)
    if shift and x.shape[1] != INPUT_UNITS:
        raise ValueError(f"shift augmentation needs {SIDE}×{SIDE} images ({INPUT_UNITS} input units)")
    rng = np.random.default_rng(check_seed("seed", seed))
    eval_batch_size = check_positive_int("eval_batch_size", eval_batch_size)
    if optimizer is not None:
        network.optimizer = optimizer  # refuses anything but an Optimizer
    return _run(network, x, y, epochs, batch_size, validation_data, shift, rng, eval_batch_size)


def _run(network, x, y, epochs, batch_size, validation_data, shift, rng, eval_batch_size):
    n_batches = math.ceil(len(x) / batch_size)
    good = candidate = _snapshot(network, 1, 0)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x))
        loss_sum, correct = 0.0, 0
        for batch in range(1, n_batches + 1):
            rows = order[(batch - 1) * batch_size:batch * batch_size]
            x_batch, y_batch = x[rows], y[rows]
            if shift:
                x_batch = random_shifts(x_batch, shift, rng)
            if batch % SNAPSHOT_EVERY == 0:
                candidate = _snapshot(network, epoch, batch)
            try:
                loss, logits = network._train_batch(x_batch, y_batch)
            except TrainingDiverged as error:
                _restore(network, good, f"epoch {epoch}, batch {batch}", error)
            good = candidate  # the candidate's weights just produced a finite loss
            loss_sum += loss * len(rows)
            correct += int((logits.argmax(axis=1) == y_batch).sum())
            yield BatchEnd(epoch, batch, n_batches, loss, len(rows))
        val_loss = val_accuracy = None
        if validation_data is not None:
            x_val, y_val = validation_data
            pieces = []
            for logits in network.logit_pieces(x_val, eval_batch_size):
                pieces.append(logits)
                yield Validating(epoch, min(len(pieces) * eval_batch_size, len(x_val)), len(x_val))
            val_loss, val_accuracy = loss_and_accuracy(np.concatenate(pieces), y_val)
            if not np.isfinite(val_loss):
                _restore(network, good, f"the end of epoch {epoch}",
                         f"the validation loss became {val_loss}")
        yield EpochEnd(epoch, epochs, loss_sum / len(x), correct / len(x), val_loss, val_accuracy)


def _snapshot(network: Network, epoch: int, batch: int):
    return network.state_dict(), network.optimizer.state_dict(), epoch, batch


def _restore(network: Network, good, where: str, error) -> None:
    """Put back the snapshot ``good`` and raise ``TrainingDiverged`` saying so."""
    weights, optimizer_state, at_epoch, at_batch = good
    network.load_state_dict(weights)
    try:
        network.optimizer.load_state_dict(optimizer_state, weights)
    except ValueError:  # the optimizer was swapped since the snapshot: start its state afresh
        network.optimizer.load_state_dict({}, weights)
    when = f"epoch {at_epoch}, batch {at_batch}" if at_batch else "the start of this run"
    raise TrainingDiverged(f"training diverged at {where}: {error}. Stopped, and put back "
                           f"the weights from {when}.") from None


class History:
    """What ``fit`` returns: ``history.history["val_accuracy"]`` is one value per epoch."""

    def __init__(self):
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}

    def append(self, event: EpochEnd) -> None:
        self.epoch.append(event.epoch)
        for key, value in event.logs().items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, metrics={sorted(self.history)})"


def fit(network: Network, x, y, *, on_epoch_end: Callable[[int, dict], None] | None = None,
        **options) -> History:
    """Train to the end (Keras-style); ``on_epoch_end(epoch, logs)`` after every epoch.

    ``options`` are ``train_steps``'s keyword arguments (``epochs`` is required), e.g. a
    recipe's ``TrainingConfig.run_options()``::

        fit(network, x, y, validation_data=(x_val, y_val), **config.run_options())
    """
    history = History()
    for event in train_steps(network, x, y, **options):
        if isinstance(event, EpochEnd):
            history.append(event)
            if on_epoch_end is not None:
                on_epoch_end(event.epoch, event.logs())
    return history
