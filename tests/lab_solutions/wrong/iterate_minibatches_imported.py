# exercise: iterate_minibatches
# caught by: your code defines iterate_minibatches
# pynn's own iterate_minibatches, imported.
from pynn import iterate_minibatches
