"""The whole assignment answered the notebook's way, correctly (used by the tests only): its
own Layer base class, a Dense with self.weights and self.biases that takes its SGD step
inside backward (gradients summed over the batch: the loss gradient is already divided by
it), the two loss functions (shifted, so large logits do not overflow), and forward,
predict, train and iterate_minibatches using numpy's global random numbers."""

import numpy as np


class Layer:
    """Passes its input on unchanged; subclasses override forward and backward."""

    def forward(self, input):
        return input

    def backward(self, input, grad_output):
        return grad_output


class ReLU(Layer):
    def forward(self, input):
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        return grad_output * (input > 0)


class Dense(Layer):
    def __init__(self, input_units, output_units, learning_rate=0.1):
        self.learning_rate = learning_rate
        self.weights = np.random.randn(input_units, output_units) * 0.01
        self.biases = np.zeros(output_units)

    def forward(self, input):
        return np.dot(input, self.weights) + self.biases

    def backward(self, input, grad_output):
        grad_input = np.dot(grad_output, self.weights.T)
        grad_weights = np.dot(input.T, grad_output)
        grad_biases = grad_output.sum(axis=0)
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input


def softmax_crossentropy_with_logits(logits, reference_answers):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    chosen = shifted[np.arange(len(logits)), reference_answers]
    return np.log(np.exp(shifted).sum(axis=-1)) - chosen


def grad_softmax_crossentropy_with_logits(logits, reference_answers):
    exps = np.exp(logits - logits.max(axis=-1, keepdims=True))
    grad = exps / exps.sum(axis=-1, keepdims=True)
    grad[np.arange(len(logits)), reference_answers] -= 1
    return grad / logits.shape[0]


def forward(network, X):
    activations = []
    for layer in network:
        X = layer.forward(X)
        activations.append(X)
    return activations


def predict(network, X):
    return forward(network, X)[-1].argmax(axis=-1)


def train(network, X, y):
    activations = forward(network, X)
    inputs = [X] + activations
    logits = activations[-1]
    loss = softmax_crossentropy_with_logits(logits, y)
    grad = grad_softmax_crossentropy_with_logits(logits, y)
    for i in reversed(range(len(network))):
        grad = network[i].backward(inputs[i], grad)
    return np.mean(loss)


def iterate_minibatches(inputs, targets, batchsize, shuffle=False):
    assert len(inputs) == len(targets)
    order = np.random.permutation(len(inputs)) if shuffle else np.arange(len(inputs))
    for start in range(0, len(inputs) - batchsize + 1, batchsize):
        rows = order[start:start + batchsize]
        yield inputs[rows], targets[rows]
