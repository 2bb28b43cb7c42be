# exercise: train
# caught by: returns the mean loss of the batch
# Returns the summed loss of the batch.
import numpy as np
from pynn import forward, softmax_crossentropy_with_logits, grad_softmax_crossentropy_with_logits


def train(network, X, y):
    layer_activations = forward(network, X)
    layer_inputs = [X] + layer_activations
    logits = layer_activations[-1]
    loss = softmax_crossentropy_with_logits(logits, y)
    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)
    for layer_i in range(len(network))[::-1]:
        loss_grad = network[layer_i].backward(layer_inputs[layer_i], loss_grad)
    return np.sum(loss)
