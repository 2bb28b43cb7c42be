# exercise: init
# caught by: uses the rng it is given
# draws from numpy's global random state, not from the rng it is handed: a seed repeats nothing.
import numpy as np


def he_normal(input_units, output_units, rng):
    return np.random.randn(input_units, output_units) * np.sqrt(2 / input_units)
