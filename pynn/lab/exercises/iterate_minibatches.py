"""Exercise 7: iterate_minibatches, one epoch of the training set in minibatches."""

import inspect
from itertools import islice

import numpy as np

from pynn.lab.checks import Failed
from pynn.lab.function_checks import copied, described, global_random, unchanged

TITLE = "iterate_minibatches"
ORDER = 7
TARGET = "iterate_minibatches"
MOST_BATCHES = 1000  # a generator that never ends is cut here

SHAPES = [
    "inputs [N, 784], targets [N] → batches inputs [batchsize, 784], targets [batchsize]",
    "N // batchsize batches per epoch",
]

STATEMENT = """
iterate_minibatches(inputs, targets, batchsize, shuffle=False) goes once through the data
set (one epoch) and yields its minibatches (inputs[i], targets[i]) of batchsize examples:
in order without shuffling; with shuffle=True in a new random order every epoch, every
example exactly once. A last batch smaller than batchsize is left out, as the assignment
does: every batch has exactly batchsize rows.

Shuffle with numpy's random numbers (np.random.permutation), so that np.random.seed(...)
makes a run repeat itself; shuffle indices, not the arrays you were given: they are the
caller's training set.
"""

STARTER = '''
import numpy as np


def iterate_minibatches(inputs, targets, batchsize, shuffle=False):
    """Yield (inputs[excerpt], targets[excerpt]) batches of batchsize examples, one epoch."""
    assert len(inputs) == len(targets)
    # TODO: with shuffle, a random order of the indices: np.random.permutation(len(inputs))
    for start_idx in range(0, len(inputs) - batchsize + 1, batchsize):
        # TODO: the indices of this batch (from the random order when shuffling)
        excerpt = slice(0, len(inputs))
        yield inputs[excerpt], targets[excerpt]
'''

SOLUTION = '''
import numpy as np


def iterate_minibatches(inputs, targets, batchsize, shuffle=False):
    """Yield (inputs[excerpt], targets[excerpt]) batches of batchsize examples, one epoch."""
    assert len(inputs) == len(targets)
    if shuffle:
        indices = np.random.permutation(len(inputs))
    for start_idx in range(0, len(inputs) - batchsize + 1, batchsize):
        if shuffle:
            excerpt = indices[start_idx:start_idx + batchsize]
        else:
            excerpt = slice(start_idx, start_idx + batchsize)
        yield inputs[excerpt], targets[excerpt]
'''


def data(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` examples whose inputs say which example they are: row i is [i, i + 0.25, i + 0.5],
    its target i."""
    return np.arange(n)[:, None] + np.array([0.0, 0.25, 0.5]), np.arange(n)


def check(target, report):
    takes_rng = "rng" in inspect.signature(target).parameters

    def epoch(n, batchsize, shuffle, seed=0, state=None):
        """The batches of one call, with numpy's global random seeded (or a Generator when
        the learner's function takes ``rng``); numpy's own state is put back after."""
        inputs, targets = data(n)
        extra = {"rng": np.random.default_rng(seed)} if takes_rng and shuffle else {}
        with global_random(state if state is not None else seed) as after:
            batches = target(inputs, targets, batchsize, shuffle=shuffle, **extra)
            if batches is None:
                raise Failed("iterate_minibatches returned None: yield each batch, "
                             "`yield inputs[excerpt], targets[excerpt]`")
            batches = [copied(batch) for batch in islice(batches, MOST_BATCHES)]
        for batch in batches:
            if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                raise Failed(f"a batch is {described(batch)}; yield pairs (inputs, targets)")
        unchanged("inputs", inputs, data(n)[0], "shuffle indices instead, the caller's data "
                                                "set must stay as it was")
        unchanged("targets", targets, data(n)[1], "shuffle indices instead")
        return batches, after.get("state")

    def sizes_text(batches):
        return ", ".join(str(len(batch[1])) for batch in batches)

    def yields_pairs():
        batches, _ = epoch(12, 4, shuffle=False)
        return f"{len(batches)} batches (inputs, targets) for 12 examples in batches of 4"

    report.check("yields (inputs, targets) batches", yields_pairs, essential=True,
                 hint=("a generator: it yields one (inputs, targets) pair per batch",
                       "yield inputs[excerpt], targets[excerpt] inside the loop"))

    def in_order():
        for n, batchsize in ((12, 4), (10, 3)):
            batches, _ = epoch(n, batchsize, shuffle=False)
            expected = [np.arange(start, start + batchsize)
                        for start in range(0, n - batchsize + 1, batchsize)]
            if len(batches) != len(expected) or any(len(b[1]) != batchsize for b in batches):
                last = (" (a last, smaller batch is left out)" if n % batchsize else "")
                raise Failed(f"{n} examples in batches of {batchsize} gave batches of "
                             f"{sizes_text(batches) or 'nothing'}; expected {len(expected)} "
                             f"of {batchsize}{last}")
            for number, (batch, rows) in enumerate(zip(batches, expected)):
                if not np.array_equal(np.asarray(batch[1]), rows):
                    raise Failed(f"without shuffling, batch {number} holds examples "
                                 f"{np.asarray(batch[1]).tolist()}; expected {rows.tolist()}")
        return "12 in 3 batches of 4, 10 in 3 of 3: in order"

    def leaves_data():
        epoch(12, 4, shuffle=True)
        epoch(12, 4, shuffle=False)
        return "inputs and targets unchanged, with and without shuffling"

    report.check("leaves inputs and targets as they were", leaves_data, essential=True,
                 hint=("the arrays you are given are the caller's training set: shuffle "
                       "something else", "indices = np.random.permutation(len(inputs)); "
                       "inputs[indices] is a new array"))

    report.check("without shuffling: the batches in order, the last partial one left out",
                 in_order, hint=("each batch starts batchsize after the one before, and every "
                                 "batch is full", "range(0, len(inputs) - batchsize + 1, "
                                 "batchsize) gives the start of every full batch"))

    def pairs_and_rows(batches):
        for batch in batches:
            x, t = np.asarray(batch[0]), np.asarray(batch[1])
            if x.shape[1:] != (3,) or len(x) != len(t):
                raise Failed(f"a batch has inputs of shape {x.shape} and targets of shape "
                             f"{t.shape}; expected ({len(t)}, 3) and ({len(t)},)")
            if not np.array_equal(x[:, 0], t):
                raise Failed(f"a batch pairs inputs of examples {x[:, 0].astype(int).tolist()} "
                             f"with the targets of {t.tolist()}: index both with the same "
                             f"indices")

    def every_example_once():
        batches, _ = epoch(12, 4, shuffle=True)
        pairs_and_rows(batches)
        seen = np.concatenate([np.asarray(batch[1]) for batch in batches]) if batches else []
        if len(seen) != 12 or len(set(seen.tolist())) != 12:
            counts = np.bincount(np.asarray(seen, dtype=int), minlength=12)
            twice = np.flatnonzero(counts > 1)
            raise Failed(f"one shuffled epoch of 12 examples had {len(seen)} examples"
                         + (f"; example {twice[0]} came {counts[twice[0]]} times" if twice.size
                            else "") + ": take one permutation of all the indices per epoch "
                         "and cut it into batches")
        if np.array_equal(seen, np.arange(12)):
            raise Failed("with shuffle=True the examples came in their original order: "
                         "np.random.permutation(len(inputs)) gives a random order")
        partial, _ = epoch(10, 3, shuffle=True)
        if len(partial) != 3 or any(len(batch[1]) != 3 for batch in partial):
            raise Failed(f"10 shuffled examples in batches of 3 gave batches of "
                         f"{sizes_text(partial)}; expected 3 of 3, as without shuffling")
        return "12 examples, each once, in a random order; inputs and targets stay paired"

    report.check("with shuffling: every example once per epoch, inputs and targets paired",
                 every_example_once, hint=("one random order of all the examples per epoch, "
                                           "cut into batches; inputs and targets by the same "
                                           "indices", "indices = np.random.permutation(len(inputs)); "
                                           "batch k is indices[k * batchsize:(k + 1) * batchsize]"))

    def new_order_each_epoch():
        first, state = epoch(12, 4, shuffle=True, seed=0)
        second, _ = epoch(12, 4, shuffle=True, seed=1, state=state)
        order = [np.concatenate([np.asarray(b[1]) for b in batches]).tolist()
                 for batches in (first, second)]
        if order[0] == order[1]:
            raise Failed("two epochs in a row came in the same order: draw a new permutation "
                         "on every call (do not seed inside the function)")
        return "two epochs, two orders"

    report.check("a new order every epoch", new_order_each_epoch,
                 hint=("draw the order when the epoch starts, not once for all epochs",
                       "np.random.permutation draws a new order each time it is called"))

    def repeatable():
        orders = [np.concatenate([np.asarray(b[1]) for b in epoch(12, 4, True, seed=7)[0]]).tolist()
                  for _ in range(2)]
        if orders[0] != orders[1]:
            source = "the same rng" if takes_rng else "np.random.seed(7)"
            raise Failed(f"after {source}, two runs shuffled differently: draw the order "
                         f"from numpy's random numbers (np.random.permutation), as the "
                         f"assignment does, so that a seed makes a run repeat itself")
        return ("the same Generator gives the same order" if takes_rng
                else "np.random.seed(...) gives the same order")

    report.check("uses numpy's random numbers (a seed repeats the order)", repeatable,
                 hint=("draw from numpy's global random numbers, which np.random.seed repeats",
                       "np.random.permutation(len(inputs)), not Python's random module or a new "
                       "np.random.default_rng() each call"))
