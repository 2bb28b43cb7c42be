# exercise: init
# caught by: std is He's sqrt(2 / input_units)
# LeCun's standard deviation, sqrt(1 / input_units): the factor 2 for ReLU is missing.
import numpy as np


def he_normal(input_units, output_units, rng):
    return rng.normal(size=(input_units, output_units)) * np.sqrt(1 / input_units)
