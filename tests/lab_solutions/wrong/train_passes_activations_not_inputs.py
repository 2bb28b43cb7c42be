# exercise: train
# caught by: each backward gets its layer's input
# Off by one: each layer gets its own output instead of its input.
import numpy as np
from pynn import forward, softmax_crossentropy_with_logits, grad_softmax_crossentropy_with_logits


def train(network, X, y):
    layer_activations = forward(network, X)
    logits = layer_activations[-1]
    loss = softmax_crossentropy_with_logits(logits, y)
    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)
    for layer_i in range(len(network))[::-1]:
        loss_grad = network[layer_i].backward(layer_activations[layer_i], loss_grad)
    return np.mean(loss)
