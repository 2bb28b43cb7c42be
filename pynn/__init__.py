"""pynn: neural networks from scratch in readable numpy — the MNIST assignment, made real.

Runs unchanged in CPython and in Pyodide. The assignment's API works as in the notebook::

    from pynn import Dense, ReLU, forward, predict, train, iterate_minibatches, load_digits
    X_train, y_train, X_val, y_val, X_test, y_test = load_digits()
    network = [Dense(784, 100), ReLU(), Dense(100, 200), ReLU(), Dense(200, 10)]

and the same layers compose into a ``Network`` with swappable optimizers and a steppable
training loop (``train_steps``, ``fit``). It is written to be read, not to be fast at scale.
"""

from pynn.assignment import forward, iterate_minibatches, predict, train
from pynn.config import TrainingConfig, parse_hidden
from pynn.conv import Conv2D, Flatten, MaxPool2D, Reshape
from pynn.data import DigitSplits, load_csv, load_digits
from pynn.draw import preprocess_drawing
from pynn.errors import ModelFileError, TrainingDiverged
from pynn.gradcheck import (assert_layer_gradients, check_layer_gradients, numerical_gradient,
                            relative_error)
from pynn.io import load, save
from pynn.layers import Dense, Dropout, Layer, LeakyReLU, ReLU, Sigmoid, Tanh
from pynn.losses import (grad_softmax_crossentropy_with_logits, softmax,
                         softmax_crossentropy_with_logits)
from pynn.network import Network, build_mlp, build_network
from pynn.optim import SGD, Adam, Momentum, Optimizer, make_optimizer
from pynn.training import BatchEnd, EpochEnd, History, Validating, fit, train_steps

__version__ = "0.1.0"

__all__ = [
    "Adam", "BatchEnd", "Conv2D", "Dense", "DigitSplits", "Dropout", "EpochEnd", "Flatten",
    "History", "Layer", "LeakyReLU", "MaxPool2D", "ModelFileError", "Momentum", "Network",
    "Optimizer", "ReLU", "Reshape", "SGD", "Sigmoid", "Tanh", "TrainingConfig",
    "TrainingDiverged", "Validating", "assert_layer_gradients", "build_mlp", "build_network",
    "check_layer_gradients",
    "fit", "forward",
    "grad_softmax_crossentropy_with_logits", "iterate_minibatches", "load", "load_csv",
    "load_digits", "make_optimizer", "numerical_gradient", "parse_hidden", "predict",
    "preprocess_drawing", "relative_error", "save", "softmax",
    "softmax_crossentropy_with_logits", "train", "train_steps",
]
