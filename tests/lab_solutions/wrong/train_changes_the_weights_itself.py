# exercise: train
# caught by: one step of SGD with the true gradients
# After the backward pass, takes a second step on the weights itself.
import numpy as np
from pynn import forward, softmax_crossentropy_with_logits, grad_softmax_crossentropy_with_logits


def train(network, X, y):
    layer_activations = forward(network, X)
    layer_inputs = [X] + layer_activations
    logits = layer_activations[-1]
    loss = softmax_crossentropy_with_logits(logits, y)
    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)
    for layer_i in range(len(network))[::-1]:
        before = getattr(network[layer_i], "__dict__", {}).get("recorded")
        weights = getattr(before, "weights", None)
        old = None if weights is None else weights.copy()
        loss_grad = network[layer_i].backward(layer_inputs[layer_i], loss_grad)
        if old is not None:
            before.weights = before.weights + (before.weights - old)
    return np.mean(loss)
