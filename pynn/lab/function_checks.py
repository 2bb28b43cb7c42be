"""What the function exercises (``forward``, ``predict``, ``train``, ``iterate_minibatches``,
the optimizers) share: small reference networks to hand the learner's function, copies of
what it returns, a word for what it returned, and numpy's global random state lent for a
while and given back.

The learner's function is checked with the lab's own layers (``pynn.lab.reference_layers``),
never with the learner's, so a wrong Dense cannot fail a right ``train``. As everywhere in
the lab, what is expected is computed first, on copies the learner's code never sees.
"""

from __future__ import annotations

import contextlib
import copy

import numpy as np

from pynn.lab.checks import Failed, fresh
from pynn.lab.reference_layers import NotebookDense, NotebookReLU


def small_network(sizes, seed: int = 0, scale: float = 0.5) -> list:
    """The assignment's kind of network through ``sizes`` (``Dense, ReLU, ..., Dense``) with
    weights big enough (normal × ``scale``, biases too) that every number matters."""
    rng = np.random.default_rng(seed)
    network = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if index:
            network.append(NotebookReLU())
        dense = NotebookDense(n_in, n_out, rng=rng)
        dense.weights = rng.normal(size=(n_in, n_out)) * scale
        dense.biases = rng.normal(size=n_out) * scale / 5
        network.append(dense)
    return network


def copied(value):
    """A copy of what learner code returned: arrays, and lists or tuples of them."""
    if isinstance(value, (list, tuple)):
        return type(value)(copied(item) for item in value)
    return fresh(value)


def described(value) -> str:
    """``value`` in a few words: "an array of shape (6, 3)", "a list of 2 items", "None"."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}" if value.ndim else f"the number {value}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} item{'s' * (len(value) != 1)}"
    if isinstance(value, (int, float, np.number)):
        return f"the number {value}"
    return f"a {type(value).__name__}"


def unchanged(name: str, given: np.ndarray, original: np.ndarray, fix: str) -> None:
    """``Failed`` if learner code changed the array ``given`` (a copy of ``original``) in place."""
    if given.shape != original.shape or not np.array_equal(given, original):
        where = ""
        if given.shape == original.shape:
            index = tuple(int(i) for i in np.argwhere(given != original)[0])
            where = f" ({name}{list(index)} was {original[index]:g}, is {given[index]:g})"
        raise Failed(f"your code changed {name} in place{where}: {fix}")


@contextlib.contextmanager
def global_random(seed_or_state):
    """numpy's global random state (``np.random``) seeded with ``seed_or_state`` (an int, or
    a state from ``np.random.get_state()``) for the ``with`` block; the state it ends in is
    yielded back through ``holder["state"]``, and whatever state it had before is put back."""
    before = np.random.get_state()
    holder = {}
    try:
        if isinstance(seed_or_state, tuple):
            np.random.set_state(seed_or_state)
        else:
            np.random.seed(seed_or_state)
        yield holder
        holder["state"] = np.random.get_state()
    finally:
        np.random.set_state(before)


def deep_copy(network: list) -> list:
    """A copy of ``network`` whose layers share nothing with the original."""
    return copy.deepcopy(network)


def scalar(value, what: str) -> float:
    """``value`` as one float, or ``Failed`` saying what it was instead."""
    array = np.asarray(value) if isinstance(value, (np.ndarray, np.number, int, float)) else None
    if array is None or array.size != 1:
        raise Failed(f"{what} is {described(value)}; expected one number")
    return float(array.reshape(()))
