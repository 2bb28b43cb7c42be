# exercise: forward
# caught by: every activation agrees with the layers applied in turn
# Adds a ReLU after every layer, the last one too: negative logits become 0.
import numpy as np


def forward(network, X):
    activations = []
    input = X
    for layer in network:
        activations.append(np.maximum(0, layer.forward(input)))
        input = activations[-1]
    return activations
