# exercise: relu
# caught by: your code defines ReLU
# pynn's own ReLU, imported under its own name.
from pynn.layers import ReLU as ReLU
