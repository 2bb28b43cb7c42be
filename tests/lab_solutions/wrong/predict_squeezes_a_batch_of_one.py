# exercise: predict
# caught by: a one-layer network and a batch of one
# np.squeeze turns the label of a batch of one into a bare number.
import numpy as np
from pynn import forward


def predict(network, X):
    return np.squeeze(forward(network, X)[-1].argmax(axis=-1))
