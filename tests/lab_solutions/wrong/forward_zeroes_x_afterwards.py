# exercise: forward
# caught by: leaves X as it was
# Right activations, but uses the caller's X as scratch space afterwards.
def forward(network, X):
    activations = []
    for layer in network:
        activations.append(layer.forward(activations[-1] if activations else X))
    X[...] = 0
    return activations
