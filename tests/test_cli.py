"""The command line, run as a user would (a subprocess)."""

import subprocess
import sys

import pytest

import pynn

pytestmark = pytest.mark.native_only(reason="runs `python -m pynn` in a subprocess")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pynn", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_train_prints_one_line_per_epoch_and_saves_a_loadable_model(tmp_path):
    out = tmp_path / "m.npz"
    result = run("train", "--hidden", "32", "--epochs", "2", "--batch-size", "128",
                 "--optimizer", "sgd", "--lr", "0.1", "--seed", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    epoch_lines = [line for line in result.stdout.splitlines() if line.startswith("epoch")]
    assert len(epoch_lines) == 2 and "val acc" in epoch_lines[0] and "train acc" in epoch_lines[0]
    assert "test acc" in result.stdout and f"saved {out}" in result.stdout
    model = pynn.load(out)
    assert repr(model) == "Network([Dense(784, 32), ReLU(), Dropout(0.1), Dense(32, 10)])"
    assert model.optimizer.steps == 2 * 63  # optimizer state saved by default
    assert model.metadata["config"]["optimizer"] == "sgd"

    evaluated = run("evaluate", str(out))
    assert evaluated.returncode == 0, evaluated.stderr
    assert "1000 examples" in evaluated.stdout and "confusion matrix" in evaluated.stdout


def test_train_on_a_csv(tmp_path, digits):
    import numpy as np
    csv = tmp_path / "mnist_train.csv"
    header = "label," + ",".join(f"p{i}" for i in range(784))
    rows = [f"{y}," + ",".join(map(str, np.round(x * 255).astype(int)))
            for x, y in zip(digits.X_train[:200], digits.y_train[:200])]
    csv.write_text("\n".join([header, *rows]) + "\n")
    result = run("train", "--csv", str(csv), "--hidden", "16", "--epochs", "1",
                 "--out", str(tmp_path / "m.npz"), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "training on 160 examples, validating on 20" in result.stdout


def test_weights_only_leaves_out_the_optimizer_state(tmp_path):
    full, small = tmp_path / "full.npz", tmp_path / "small.npz"
    for out, extra in ((full, []), (small, ["--weights-only"])):
        result = run("train", "--hidden", "16", "--epochs", "1", "--out", str(out), "--no-progress", *extra)
        assert result.returncode == 0, result.stderr
    assert small.stat().st_size < full.stat().st_size / 2
    assert pynn.load(small).optimizer.steps == 0


def test_help_reads_well():
    result = run("train", "--help")
    assert result.returncode == 0
    for flag in ("--hidden", "--activation", "--optimizer", "--lr", "--batch-size", "--epochs",
                 "--seed", "--csv", "--out"):
        assert flag in result.stdout
    assert "default: 256,128" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["train", "--hidden", "10,x"], "error: hidden layer sizes must be whole numbers"),
    (["train", "--lr", "-1"], "error: lr must be a number from"),
    (["train", "--batch-size", "0"], "error: batch_size must be a whole number from 1"),
    (["train", "--csv", "/no/such.csv"], "error: [Errno 2] No such file"),
    (["evaluate", "/no/such.npz"], "error: [Errno 2] No such file"),
])
def test_bad_arguments_give_one_clear_error_line(args, message, tmp_path):
    result = run(*args, "--out", str(tmp_path / "x.npz")) if args[0] == "train" else run(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_corrupt_model_file_is_reported(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"garbage")
    result = run("evaluate", str(bad))
    assert result.returncode == 2 and "not a pynn model" in result.stderr


def test_diverging_run_stops_with_an_error_and_saves_the_last_good_weights(tmp_path):
    out = tmp_path / "m.npz"
    result = run("train", "--optimizer", "sgd", "--lr", "10000", "--hidden", "100,200",
                 "--dropout", "0", "--epochs", "3", "--out", str(out), "--no-progress")
    assert result.returncode == 1
    assert "error: training diverged at epoch 1" in result.stderr
    model = pynn.load(out)  # loads: no NaN in the saved weights
    assert model.count_params() > 0
