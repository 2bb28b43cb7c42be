# exercise: forward
# caught by: returns one activation per layer
# Starts the list with X itself: one item too many, and everything shifted by one.
def forward(network, X):
    activations = [X]
    for layer in network:
        activations.append(layer.forward(activations[-1]))
    return activations
