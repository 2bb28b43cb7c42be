# exercise: conv2d
# caught by: your code defines Conv2D
# pynn's own Conv2D, imported.
from pynn.conv import Conv2D
