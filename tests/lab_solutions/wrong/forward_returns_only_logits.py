# exercise: forward
# caught by: returns one activation per layer
# Returns the network's output alone, not the list of every layer's activation.
def forward(network, X):
    for layer in network:
        X = layer.forward(X)
    return X
