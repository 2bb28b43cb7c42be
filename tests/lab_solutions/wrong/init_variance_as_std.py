# exercise: init
# caught by: std is He's sqrt(2 / input_units)
# multiplies by the variance 2 / input_units instead of its square root.
import numpy as np


def he_normal(input_units, output_units, rng):
    return rng.normal(size=(input_units, output_units)) * 2 / input_units
