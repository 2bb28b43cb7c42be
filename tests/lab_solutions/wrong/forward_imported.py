# exercise: forward
# caught by: your code defines forward
# pynn's own forward, imported.
from pynn import forward
