import numpy as np
import pytest

from pynn.losses import (grad_softmax_crossentropy_with_logits, loss_and_grad, softmax,
                         softmax_crossentropy_with_logits)


def naive_loss(logits, answers):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(len(answers)), answers])


def test_per_sample_loss_matches_the_textbook_formula(rng):
    logits = rng.normal(size=(6, 10))
    answers = rng.integers(0, 10, 6)
    loss = softmax_crossentropy_with_logits(logits, answers)
    assert loss.shape == (6,)
    np.testing.assert_allclose(loss, naive_loss(logits, answers), rtol=1e-12)


def test_gradient_is_divided_by_the_batch_size(rng):
    logits = rng.normal(size=(4, 3))
    answers = np.array([0, 2, 1, 1])
    onehot = np.eye(3)[answers]
    np.testing.assert_allclose(grad_softmax_crossentropy_with_logits(logits, answers),
                               (softmax(logits) - onehot) / 4, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_extreme_logits_stay_finite(dtype, scale):
    logits = np.array([[scale, 0, -scale], [0, scale, 1]], dtype=dtype)
    answers = np.array([0, 2])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = softmax_crossentropy_with_logits(logits, answers)
        grad = grad_softmax_crossentropy_with_logits(logits, answers)
        fused_loss, fused_grad = loss_and_grad(logits, answers)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad)) and np.isfinite(fused_loss)
    assert loss.dtype == dtype and grad.dtype == dtype
    # The right class with a huge margin costs ~0; the wrong one costs the margin.
    expected_first = 0.0 if scale > 0 else 2 * 1e4
    assert loss[0] == pytest.approx(expected_first, abs=1e-3)
    np.testing.assert_allclose(fused_grad, grad, rtol=1e-6)
    assert fused_loss == pytest.approx(float(np.mean(loss)), rel=1e-6)


def test_fused_loss_and_grad_agree_with_the_assignment_functions(rng):
    logits = rng.normal(size=(32, 10)).astype(np.float32)
    answers = rng.integers(0, 10, 32)
    loss, grad = loss_and_grad(logits, answers)
    assert loss == pytest.approx(float(softmax_crossentropy_with_logits(logits, answers).mean()), rel=1e-6)
    np.testing.assert_allclose(grad, grad_softmax_crossentropy_with_logits(logits, answers), rtol=1e-5)


def test_softmax_rows_sum_to_one(rng):
    p = softmax(rng.normal(size=(5, 10)) * 50)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


@pytest.mark.parametrize("answers, message", [
    (np.array([0, 10]), r"must be in \[0, 9\]"),
    (np.array([-1, 3]), r"must be in \[0, 9\]"),
    (np.array([0.5, 1.0]), "whole-number class labels, got 0.5 at index 0"),
    (np.array([True, False]), "integer class labels, got dtype bool"),
    (np.array([0, 1, 2]), "reference_answers has 3 labels for 2 samples"),
])
def test_bad_reference_answers_are_named(answers, message):
    with pytest.raises((ValueError, TypeError), match=message):
        softmax_crossentropy_with_logits(np.zeros((2, 10)), answers)


def test_integer_logits_and_whole_float_labels_give_the_same_loss_as_floats_and_ints():
    logits = np.array([[1, 2, 3], [4, 0, -2]])
    expected = softmax_crossentropy_with_logits(logits.astype(float), np.array([2, 0]))
    np.testing.assert_allclose(softmax_crossentropy_with_logits(logits, np.array([2.0, 0.0])), expected)
