# exercise: train
# caught by: each backward gets the gradient of its layer's output
# Hands every layer the loss gradient instead of what the layer after it returned.
import numpy as np
from pynn import forward, softmax_crossentropy_with_logits, grad_softmax_crossentropy_with_logits


def train(network, X, y):
    layer_activations = forward(network, X)
    layer_inputs = [X] + layer_activations
    logits = layer_activations[-1]
    loss = softmax_crossentropy_with_logits(logits, y)
    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)
    for layer_i in range(len(network))[::-1]:
        network[layer_i].backward(layer_inputs[layer_i], loss_grad)
    return np.mean(loss)
