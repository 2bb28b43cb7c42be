# exercise: own_layer
# caught by: your code defines a layer
# a subclass of pynn's Tanh that writes nothing.
from pynn.layers import Tanh


class MyTanh(Tanh):
    pass
