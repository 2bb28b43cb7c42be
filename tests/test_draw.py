import numpy as np
import pytest

from pynn.draw import area_resize, area_resize_matrix, preprocess_drawing


def canvas_with(digit28: np.ndarray, scale: int, size: tuple[int, int], top: int, left: int) -> np.ndarray:
    """A uint8 canvas with a 28×28 digit upscaled ``scale`` times and placed at (top, left)."""
    canvas = np.zeros(size, np.uint8)
    big = np.kron(digit28.reshape(28, 28), np.ones((scale, scale)))
    canvas[top:top + big.shape[0], left:left + big.shape[1]] = np.round(big * 255)
    return canvas


def test_empty_canvas_means_nothing_drawn_not_nan():
    assert preprocess_drawing(np.zeros((280, 280), np.uint8)) is None
    assert preprocess_drawing(np.zeros((50, 80))) is None


def test_output_is_a_784_vector_in_0_1_with_the_ink_box_fitting_20_pixels():
    canvas = np.zeros((300, 200), np.uint8)
    canvas[40:240, 90:110] = 255  # a tall bar: 200 × 20 px
    out = preprocess_drawing(canvas)
    assert out.shape == (784,) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() == pytest.approx(1.0)
    image = out.reshape(28, 28)
    rows = np.flatnonzero(image.sum(axis=1) > 0)
    cols = np.flatnonzero(image.sum(axis=0) > 0)
    assert len(rows) == 20 and len(cols) == 2  # longer side 20 px, aspect ratio kept


def centre_of_mass(image):
    ys, xs = np.indices(image.shape)
    return (image * ys).sum() / image.sum(), (image * xs).sum() / image.sum()


def test_centre_of_mass_lands_on_pixel_14_14_like_mnist(digits):
    canvas = np.zeros((280, 280), np.uint8)
    canvas[10:60, 200:270] = 255  # a blob in the top right corner
    cy, cx = centre_of_mass(preprocess_drawing(canvas).reshape(28, 28))
    assert cy == pytest.approx(14, abs=0.5) and cx == pytest.approx(14, abs=0.5)
    mnist = np.array([centre_of_mass(d.reshape(28, 28)) for d in digits.X_test[:100]])
    np.testing.assert_allclose(mnist.mean(axis=0), 14, atol=0.1)  # the convention we follow


def test_a_mnist_digit_drawn_ten_times_bigger_comes_back_almost_unchanged(digits):
    for digit in digits.X_test[:20]:
        back = preprocess_drawing(canvas_with(digit, 10, (300, 300), 10, 10))
        assert np.abs(back - digit).sum() < 0.02 * digit.sum()


def test_area_averaging_keeps_thin_lines_that_nearest_neighbour_would_drop():
    image = np.zeros((100, 100))
    image[:, 51] = 1.0  # a 1-px line; nearest-neighbour sampling every 5 px would miss it
    small = area_resize(image, 20, 20)
    assert small[:, 10].max() == pytest.approx(0.2)  # the line's share of each 5×5 block
    assert small.sum() == pytest.approx(image.sum() / 25)


def test_resize_matrix_rows_are_averages():
    for n_in, n_out in ((100, 20), (7, 20), (20, 20), (33, 7)):
        np.testing.assert_allclose(area_resize_matrix(n_in, n_out).sum(axis=1), 1.0)


def test_float_and_uint8_canvases_agree():
    canvas = np.zeros((90, 90), np.uint8)
    canvas[20:70, 30:40] = 255
    np.testing.assert_allclose(preprocess_drawing(canvas), preprocess_drawing(canvas / 255.0))


@pytest.mark.parametrize("bad, message", [
    (np.zeros((3, 3, 4)), "2-D grayscale"), (np.zeros((0, 5)), "2-D grayscale"),
    (np.array([[np.nan, 1.0]]), "NaN"), (np.array([["a"]]), "image must be an array of numbers"),
    (np.array([[True, False]]), "image must be an array of numbers, got dtype bool"),
    (np.array([[-250.0, 255.0]]), "pixel values must be from 0 to 255 .* got values from -250 to 255"),
    (np.array([[-1, 3]]), "got values from -1 to 3"), (np.array([[0, 256]]), "from 0 to 256"),
])
def test_bad_images_are_named(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        preprocess_drawing(bad)


@pytest.mark.parametrize("scale, size, top, left", [
    (10, (400, 400), 20, 110),   # 280×280, moved off-centre
    (4, (280, 280), 160, 0),     # small, in the bottom-left corner
    (3, (200, 320), 0, 230),     # small, top-right of a wide canvas
])
def test_real_digits_drawn_big_or_small_anywhere_are_classified_the_same(trained, digits, scale, size, top, left):
    x = digits.X_test[:200]
    direct = trained.predict(x)
    drawn = np.stack([preprocess_drawing(canvas_with(d, scale, size, top, left)) for d in x])
    agreement = np.mean(trained.predict(drawn) == direct)
    assert agreement >= 0.99, f"only {agreement:.1%} of digits kept their class"
