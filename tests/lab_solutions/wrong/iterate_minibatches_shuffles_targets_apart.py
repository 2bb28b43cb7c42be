# exercise: iterate_minibatches
# caught by: with shuffling: every example once per epoch, inputs and targets paired
# Two permutations: the targets no longer belong to their inputs.
import numpy as np


def iterate_minibatches(inputs, targets, batchsize, shuffle=False):
    """Yield (inputs[excerpt], targets[excerpt]) batches of batchsize examples, one epoch."""
    assert len(inputs) == len(targets)
    if shuffle:
        indices = np.random.permutation(len(inputs))
        other = np.random.permutation(len(inputs))
    for start_idx in range(0, len(inputs) - batchsize + 1, batchsize):
        if shuffle:
            excerpt = indices[start_idx:start_idx + batchsize]
        else:
            excerpt = slice(start_idx, start_idx + batchsize)
        yield inputs[excerpt], (targets[other[start_idx:start_idx + batchsize]] if shuffle else targets[excerpt])
