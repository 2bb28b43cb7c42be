# exercise: predict
# caught by: returns one label per example
# Returns the softmax probabilities of every class instead of the most likely class.
import numpy as np
from pynn import forward


def predict(network, X):
    logits = forward(network, X)[-1]
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
