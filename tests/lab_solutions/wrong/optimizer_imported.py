# exercise: optimizer
# caught by: your code defines Momentum and Adam
# pynn's own optimizers, imported.
from pynn.optim import Momentum, Adam
