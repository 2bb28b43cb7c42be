# exercise: iterate_minibatches
# caught by: without shuffling: the batches in order, the last partial one left out
# Yields a last, smaller batch too.
import numpy as np


def iterate_minibatches(inputs, targets, batchsize, shuffle=False):
    """Yield (inputs[excerpt], targets[excerpt]) batches of batchsize examples, one epoch."""
    assert len(inputs) == len(targets)
    if shuffle:
        indices = np.random.permutation(len(inputs))
    for start_idx in range(0, len(inputs), batchsize):
        if shuffle:
            excerpt = indices[start_idx:start_idx + batchsize]
        else:
            excerpt = slice(start_idx, start_idx + batchsize)
        yield inputs[excerpt], targets[excerpt]
