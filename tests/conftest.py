"""Shared fixtures for the core suite (runs in CPython and, unchanged, inside Pyodide)."""

import sys

import numpy as np
import pytest

import pynn

IN_PYODIDE = sys.platform == "emscripten"

# Inside Pyodide these folders are not even collected (their imports need the native side).
NATIVE_ONLY_FOLDERS = {
    "web": "Playwright drives a native Chromium",
    "tooling": "the build and the static server run natively",
    "pyodide": "it starts Node to reach Pyodide",
}
# A script that train_for_agreement's test runs (importing it would train and write files).
collect_ignore = ["pyodide/train_for_agreement.py"]
if IN_PYODIDE:
    collect_ignore += list(NATIVE_ONLY_FOLDERS)


def pytest_report_header(config):
    if IN_PYODIDE:
        return ["inside Pyodide; not collected here: " + "; ".join(
            f"tests/{folder} ({why})" for folder, why in NATIVE_ONLY_FOLDERS.items())]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the built site in real Chromium (Playwright)")
    config.addinivalue_line("markers", "timing: asserts how long something takes; run_tests.py runs these "
                                       "alone, after the rest (tests/web's --timing option)")
    config.addinivalue_line("markers", "native_only: needs the native runtime (subprocesses, pandas, "
                                       "Node, or minutes of training); skipped inside Pyodide")


def pytest_collection_modifyitems(config, items):
    if not IN_PYODIDE:
        return
    for item in items:
        marker = item.get_closest_marker("native_only")
        if marker is not None:
            reason = marker.kwargs.get("reason", "needs the native runtime")
            item.add_marker(pytest.mark.skip(reason=f"not in Pyodide: {reason}"))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def digits():
    return pynn.load_digits()


@pytest.fixture(scope="session")
def trained(digits):
    """A small network trained for a few epochs (shared; do not modify it)."""
    network = pynn.TrainingConfig(hidden=(64,), dropout=0.0, epochs=4, seed=0).build_network()
    pynn.fit(network, digits.X_train, digits.y_train, epochs=4, batch_size=64, seed=0)
    return network
