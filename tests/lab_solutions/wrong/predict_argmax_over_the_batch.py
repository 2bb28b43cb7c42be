# exercise: predict
# caught by: returns one label per example
# argmax along the wrong axis: the best example for each class.
from pynn import forward


def predict(network, X):
    return forward(network, X)[-1].argmax(axis=0)
