# exercise: iterate_minibatches
# caught by: uses numpy's random numbers (a seed repeats the order)
# Shuffles with Python's random module, which np.random.seed does not reach.
import random
import numpy as np


def iterate_minibatches(inputs, targets, batchsize, shuffle=False):
    """Yield (inputs[excerpt], targets[excerpt]) batches of batchsize examples, one epoch."""
    assert len(inputs) == len(targets)
    if shuffle:
        indices = list(range(len(inputs)))
        random.shuffle(indices)
    for start_idx in range(0, len(inputs) - batchsize + 1, batchsize):
        if shuffle:
            excerpt = indices[start_idx:start_idx + batchsize]
        else:
            excerpt = slice(start_idx, start_idx + batchsize)
        yield inputs[excerpt], targets[excerpt]
