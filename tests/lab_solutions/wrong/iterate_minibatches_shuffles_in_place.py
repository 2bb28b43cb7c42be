# exercise: iterate_minibatches
# caught by: leaves inputs and targets as they were
# Shuffles the caller's arrays in place (both with the same order, so they stay paired).
import numpy as np


def iterate_minibatches(inputs, targets, batchsize, shuffle=False):
    """Yield (inputs[excerpt], targets[excerpt]) batches of batchsize examples, one epoch."""
    assert len(inputs) == len(targets)
    if shuffle:
        state = np.random.get_state()
        np.random.shuffle(inputs)
        np.random.set_state(state)
        np.random.shuffle(targets)
        indices = np.arange(len(inputs))
    for start_idx in range(0, len(inputs) - batchsize + 1, batchsize):
        if shuffle:
            excerpt = indices[start_idx:start_idx + batchsize]
        else:
            excerpt = slice(start_idx, start_idx + batchsize)
        yield inputs[excerpt], targets[excerpt]
