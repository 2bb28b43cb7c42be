import numpy as np

from pynn.metrics import confusion_matrix


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    matrix = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])


def test_confusion_matrix_takes_any_integer_dtype():
    y = np.array([3, 1], dtype=np.int64)
    assert confusion_matrix(y, y.astype(np.uint8), 4).sum() == 2


def test_loss_and_accuracy_from_logits():
    from pynn.losses import softmax_crossentropy_with_logits
    from pynn.metrics import loss_and_accuracy

    logits = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]])
    y = np.array([0, 1, 1])
    loss, accuracy = loss_and_accuracy(logits, y)
    assert accuracy == 2 / 3
    assert loss == float(softmax_crossentropy_with_logits(logits, y).mean())
