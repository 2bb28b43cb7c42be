"""pynn without its bundled digits (as in the browser, where dist ships them as a file of their
own): a clear error, ``install_digits`` to hand them over, and a studio that asks for them
without changing anything, then goes on."""

import io
from importlib import resources

import numpy as np
import pytest

import pynn.data
from pynn.studio.bridge import Studio
from pynn.data import (DIGITS_FILE, DIGITS_ROWS, DigitsMissing, install_digits, load_digits,
                       load_digits_raw, split_by_position, split_sizes)


@pytest.fixture(scope="module")
def npz_bytes():
    packaged = resources.files("pynn.datasets").joinpath(DIGITS_FILE)
    # inside Pyodide, pynn comes without them and tests/pyodide/run.mjs installed dist's file
    return packaged.read_bytes() if packaged.is_file() else pynn.data._installed


@pytest.fixture
def without_digits(monkeypatch):
    """pynn as the browser gets it: no packaged digits, none installed."""
    monkeypatch.setattr(pynn.data, "DIGITS_FILE", "not-shipped.npz")
    monkeypatch.setattr(pynn.data, "_installed", None)


def test_digits_rows_and_split_sizes_describe_the_packaged_file():
    images, labels = load_digits_raw()
    assert len(images) == len(labels) == DIGITS_ROWS
    splits = split_by_position(images, labels)
    assert split_sizes(DIGITS_ROWS) == tuple(len(part) for part in splits[::2]) == (8000, 1000, 1000)


def test_missing_digits_are_one_clear_error(without_digits):
    with pytest.raises(DigitsMissing, match="not part of this pynn install.*install_digits"):
        load_digits()


def test_installed_digits_load_like_the_packaged_ones(without_digits, npz_bytes):
    install_digits(npz_bytes)
    mine = load_digits()
    stored = np.load(io.BytesIO(npz_bytes))
    images, labels = stored["images"], stored["labels"]
    assert np.array_equal(mine.X_test, images[9000:].astype(np.float32) / np.float32(255))
    assert np.array_equal(mine.y_test, labels[9000:])
    assert mine.y_train.dtype == np.int64 and len(mine.X_train) == 8000


@pytest.mark.parametrize("bad, message", [
    (b"junk", "not a digits .npz"),
    (b"", "not a digits .npz"),
])
def test_bad_digit_files_are_refused_and_change_nothing(without_digits, bad, message):
    with pytest.raises(ValueError, match=message):
        install_digits(bad)
    with pytest.raises(DigitsMissing):
        load_digits()


def test_a_digits_file_of_the_wrong_size_or_kind_is_refused(without_digits):
    def npz(**arrays):
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    few = npz(images=np.zeros((5, 784), np.uint8), labels=np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match="5 digits, expected 10000"):
        install_digits(few)
    floats = npz(images=np.zeros((5, 784)), labels=np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match=r"uint8 images \[n, 784\] with labels 0–9"):
        install_digits(floats)
    with pytest.raises(ValueError, match="not a digits .npz.*KeyError"):
        install_digits(npz(pixels=np.zeros(3)))


def test_the_studio_asks_for_the_digits_changes_nothing_then_goes_on(without_digits, npz_bytes):
    s = Studio()
    # what the page shows at start needs no pixels
    info = s.handle({"type": "info"})
    assert info["ok"] and info["data"] == {"name": "bundled MNIST digits", "bundled": True, "rows": 10000,
                                           "train": 8000, "val": 1000, "test": 1000}
    for request in ({"type": "train"}, {"type": "step"}, {"type": "report"},
                    {"type": "test_images"}, {"type": "use_digits"}):
        answer = s.handle(request)
        assert answer["ok"] is False and answer["missing"] == "digits", request
        assert "install_digits" in answer["error"]
        assert s.session.run is None and s.session.runs_started == 0 and s.session.report_job is None
    assert s.handle({"type": "install_digits", "data": npz_bytes}) == {"ok": True}
    started = s.handle({"type": "step"})
    assert started["ok"] and started["state"] == "running"
    assert s.handle({"type": "test_images"})["count"] == 1000
