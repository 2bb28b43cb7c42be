import numpy as np
import pytest

import pynn
from pynn.data import load_digits_raw, split_by_position


def test_load_digits_fixed_split_shapes_and_ranges(digits):
    X_train, y_train, X_val, y_val, X_test, y_test = digits
    assert [len(a) for a in digits] == [8000, 8000, 1000, 1000, 1000, 1000]
    for x, y in ((X_train, y_train), (X_val, y_val), (X_test, y_test)):
        assert x.dtype == np.float32 and x.shape[1] == 784
        assert 0.0 <= x.min() and x.max() <= 1.0
        assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))  # every class everywhere


def test_split_is_by_position_of_the_stored_digits(digits):
    images, labels = load_digits_raw()
    assert images.shape == (10000, 784) and images.dtype == np.uint8
    np.testing.assert_array_equal(digits.X_test[-1], images[-1] / np.float32(255))
    np.testing.assert_array_equal(digits.y_val[0], labels[8000])


def test_unflattened_images_are_28_by_28():
    assert pynn.load_digits(flatten=False).X_train.shape == (8000, 28, 28)


def test_stored_digits_are_real_distinct_mnist_digits():
    images, labels = load_digits_raw()
    counts = np.bincount(labels, minlength=10)
    assert counts.sum() == 10000 and counts.min() >= 863 and counts.max() <= 1127
    assert len(np.unique(images, axis=0)) == 10000


def test_split_by_position_needs_enough_rows():
    with pytest.raises(ValueError, match="too few"):
        split_by_position(np.zeros((1, 784)), np.zeros(1))
