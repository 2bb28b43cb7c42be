# exercise: relu
# caught by: your code defines ReLU
# pynn's own ReLU, imported.
from pynn import ReLU
