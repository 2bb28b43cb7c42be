# exercise: predict
# caught by: labels are integers
# The right classes, as floats.
from pynn import forward


def predict(network, X):
    return forward(network, X)[-1].argmax(axis=-1).astype(float)
