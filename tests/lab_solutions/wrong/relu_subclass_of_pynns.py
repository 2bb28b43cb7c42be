# exercise: relu
# caught by: your code defines ReLU
# a subclass of pynn's ReLU that writes neither forward nor backward.
import pynn


class ReLU(pynn.ReLU):
    pass
