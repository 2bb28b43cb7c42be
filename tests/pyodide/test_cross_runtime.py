"""CPython and Pyodide agree: same seed and data → the same trained weights (within float32
rounding), and a model saved in one runtime predicts identically when loaded in the other."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import pynn

pytestmark = pytest.mark.native_only(reason="starts Node to run Pyodide")

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
SCRIPT = HERE / "train_for_agreement.py"


def run_in_pyodide(out: Path) -> None:
    if not (ROOT / "dist/pyodide/pyodide.mjs").exists():
        pytest.skip("dist/ is not built: run python3 build.py (run_tests.py does)")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = out / "script.py"
    script.write_text('OUT = "/mnt"\n' + SCRIPT.read_text())
    result = subprocess.run([node, str(HERE / "run.mjs"), "--exec", str(script), "--mount", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]


def run_in_cpython(out: Path) -> None:
    exec(compile(SCRIPT.read_text(), str(SCRIPT), "exec"), {"OUT": str(out), "__name__": "agreement"})


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("agreement")
    run_in_cpython(out)   # saves cpython.npz
    run_in_pyodide(out)   # saves pyodide.npz, predicts with cpython.npz
    run_in_cpython(out)   # predicts with pyodide.npz
    return out


def test_same_seed_same_trained_weights_in_both_runtimes(results):
    ours = pynn.load(results / "cpython.npz").state_dict()
    theirs = pynn.load(results / "pyodide.npz").state_dict()
    # Shuffling, dropout masks and shifts come from PCG64, which is bit-identical on every
    # platform; only float32 rounding differs (OpenBLAS vs numpy's own matmul loops sum in
    # another order; glibc vs musl exp/log). Each step adds ~1e-7 relative noise, and 126
    # Adam steps amplify it, so we allow 1e-4 of each tensor's scale — a real bug (a wrong
    # gradient, a different batch order) moves weights by 1e-2 or more.
    for name, value in ours.items():
        scale = np.abs(value).max()
        np.testing.assert_allclose(theirs[name], value, rtol=0, atol=1e-4 * scale, err_msg=name)


@pytest.mark.parametrize("saved_in, loaded_in", [("cpython", "pyodide"), ("pyodide", "cpython")])
def test_a_model_saved_in_one_runtime_predicts_identically_in_the_other(results, saved_in, loaded_in, digits):
    there = np.load(results / f"{saved_in}_model_probs_in_{loaded_in}.npy")
    here = pynn.load(results / f"{saved_in}.npz").predict_proba(digits.X_test)
    np.testing.assert_array_equal(there.argmax(axis=1), here.argmax(axis=1))
    np.testing.assert_allclose(there, here, rtol=0, atol=1e-6)  # same weights: rounding only
