# exercise: iterate_minibatches
# caught by: a new order every epoch
# Seeds numpy inside: every epoch comes in the same order.
import numpy as np


def iterate_minibatches(inputs, targets, batchsize, shuffle=False):
    """Yield (inputs[excerpt], targets[excerpt]) batches of batchsize examples, one epoch."""
    assert len(inputs) == len(targets)
    if shuffle:
        np.random.seed(42)
        indices = np.random.permutation(len(inputs))
    for start_idx in range(0, len(inputs) - batchsize + 1, batchsize):
        if shuffle:
            excerpt = indices[start_idx:start_idx + batchsize]
        else:
            excerpt = slice(start_idx, start_idx + batchsize)
        yield inputs[excerpt], targets[excerpt]
