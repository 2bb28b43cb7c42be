"""The sizes of an MNIST digit, named once: every 28, 784 and 10 in pynn comes from here.

>>> INPUT_UNITS, IMAGE_SHAPE, N_CLASSES
(784, (1, 28, 28), 10)
"""

SIDE = 28                      # pixels along each side of a digit
INPUT_UNITS = SIDE * SIDE      # one digit as a row of pixels: what a network takes
IMAGE_SHAPE = (1, SIDE, SIDE)  # one digit as an image (channels, height, width): what a Conv2D takes
N_CLASSES = 10                 # the digits 0-9
