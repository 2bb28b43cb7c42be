# exercise: dense
# caught by: your code defines Dense
# pynn's own Dense, imported.
from pynn import Dense
