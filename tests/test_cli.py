"""The command line, run as a user would (a subprocess)."""

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import pynn
import pynn.lab

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
    (["train", "--hidden", "10,x"], "error: --hidden: Hidden layers must be whole numbers"),
    (["train", "--lr", "-1"], "error: --lr: Learning rate must be a"),
    (["train", "--batch-size", "0"], "error: --batch-size: Batch size must be a whole number"),
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


# -- every bad input: exit status 2, one `error:` line, nothing trained ------------------------

FAST = ("--epochs", "1", "--hidden", "16", "--batch-size", "256", "--no-progress")


def assert_one_error_line(result, *fragments):
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def test_out_in_a_missing_directory_fails_before_loading_data_or_training(tmp_path):
    out = tmp_path / "missing" / "dir" / "m.npz"
    start = time.perf_counter()
    result = run("train", *FAST, "--out", str(out))
    assert_one_error_line(result, str(out.parent), "does not exist")
    assert result.stdout == ""  # no "training on ...", no epoch lines: nothing was trained
    assert time.perf_counter() - start < 30
    assert not out.parent.exists()


def test_out_an_existing_directory_is_refused_before_training(tmp_path):
    result = run("train", *FAST, "--out", str(tmp_path))
    assert_one_error_line(result, "is a directory")
    assert result.stdout == ""


def test_out_under_a_file_is_refused_before_training(tmp_path):
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    result = run("train", *FAST, "--out", str(not_a_folder / "m.npz"))
    assert_one_error_line(result, "is not a directory")
    assert result.stdout == ""


def _unwritable_folder(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    for candidate in (folder, Path("/sys")):  # root ignores the mode bits; /sys refuses root
        try:
            (candidate / "probe").open("ab").close()
            (candidate / "probe").unlink()
        except OSError:
            return candidate
    pytest.skip("no unwritable folder available")


def test_unwritable_out_is_refused_before_training(tmp_path):
    folder = _unwritable_folder(tmp_path)
    try:
        result = run("train", *FAST, "--out", str(folder / "m.npz"))
    finally:
        (tmp_path / "read-only").chmod(0o700)
    assert_one_error_line(result, "cannot be written")
    assert result.stdout == ""


@pytest.mark.parametrize("args", [
    ["train", "--activation", "softmax"],
    ["train", "--optimizer", "rmsprop"],
    ["train", "--bogus"],
    ["train", "--lr"],
    ["evaluate"],
    ["evaluate", "m.npz", "--extra"],
    ["frobnicate"],
    [],
])
def test_usage_errors_are_one_line_pointing_to_help(args):
    result = run(*args)
    line = assert_one_error_line(result)
    assert "--help" in line and "usage:" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("flag, value, field", [
    ("--lr", "abc", "--lr:"),
    ("--lr", "nan", "--lr:"),
    ("--lr", "inf", "--lr:"),
    ("--lr", "-1", "--lr:"),
    ("--lr", "0", "--lr:"),
    ("--epochs", "0", "--epochs:"),
    ("--epochs", "2.5", "--epochs:"),
    ("--batch-size", "1.5", "--batch-size:"),
    ("--batch-size", "0", "--batch-size:"),
    ("--hidden", "10,x", "--hidden:"),
    ("--hidden", "99999", "--hidden:"),
    ("--hidden", "10,,20", "--hidden:"),
    ("--seed", "-1", "--seed:"),
    ("--seed", "1e3", "--seed:"),
    ("--dropout", "2", "--dropout:"),
    ("--dropout", "x", "--dropout:"),
    ("--momentum", "1.5", "--momentum:"),
    ("--weight-decay", "-0.1", "--weight-decay:"),
    ("--shift", "99", "--shift:"),
])
def test_bad_numbers_give_exit_2_and_one_error_line_naming_the_setting(flag, value, field, tmp_path):
    out = tmp_path / "m.npz"
    result = run("train", *FAST, flag, value, "--out", str(out))
    assert_one_error_line(result, field)
    assert result.stdout == "" and not out.exists()


def test_a_bad_csv_is_reported_with_its_line_before_any_training(tmp_path, digits):
    csv = tmp_path / "bad.csv"
    header = "label," + ",".join(f"p{i}" for i in range(784))
    rows = [f"{y}," + ",".join(map(str, np.round(x * 255).astype(int)))
            for x, y in zip(digits.X_train[:50], digits.y_train[:50])]
    rows[1] = rows[1].replace(",0,", ",300,", 1)  # file line 3
    csv.write_text("\n".join([header, *rows]) + "\n")
    out = tmp_path / "m.npz"
    result = run("train", *FAST, "--csv", str(csv), "--out", str(out))
    assert_one_error_line(result, "line 3", "300")
    assert result.stdout == ""
    assert not out.exists()  # checking --out left no empty file behind


@pytest.mark.parametrize("make", ["missing", "directory", "empty"])
def test_an_unreadable_csv_is_one_error_line(make, tmp_path):
    csv = tmp_path / "data.csv"
    if make == "directory":
        csv.mkdir()
    elif make == "empty":
        csv.write_text("")
    result = run("train", *FAST, "--csv", str(csv), "--out", str(tmp_path / "m.npz"))
    assert_one_error_line(result)
    assert result.stdout == ""


def _saved(network, path):
    pynn.save(network, path)
    return path


@pytest.mark.parametrize("make, fragment", [
    ("missing", "No such file"),
    ("directory", "directory"),
    ("garbage", "not a pynn model"),
    ("random bytes", "not a pynn model"),
    ("empty", "not a pynn model"),
    ("truncated", "model"),
    ("other npz", "not a pynn model"),
])
def test_evaluate_a_bad_model_file_is_one_error_line(make, fragment, tmp_path):
    path = tmp_path / "m.npz"
    if make == "directory":
        path.mkdir()
    elif make == "garbage":
        path.write_bytes(b"garbage")
    elif make == "random bytes":
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    elif make == "empty":
        path.write_bytes(b"")
    elif make == "truncated":
        whole = _saved(pynn.build_mlp(784, (8,), 10, rng=0), tmp_path / "whole.npz").read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    elif make == "other npz":
        np.savez(path, weights=np.zeros(3))
    result = run("evaluate", str(path))
    assert_one_error_line(result, fragment)
    assert result.stdout == ""


def test_evaluate_a_model_of_another_input_width_is_one_error_line(tmp_path):
    model = _saved(pynn.build_mlp(10, (8,), 10, rng=0), tmp_path / "m.npz")
    assert_one_error_line(run("evaluate", str(model)), "expects 10 inputs", "784")


def test_evaluate_a_model_with_fewer_classes_than_the_labels_is_one_error_line(tmp_path):
    model = _saved(pynn.build_mlp(784, (8,), 3, rng=0), tmp_path / "m.npz")
    assert_one_error_line(run("evaluate", str(model)), "3 classes")


def test_out_may_be_an_existing_file_which_is_replaced(tmp_path):
    out = tmp_path / "m.npz"
    out.write_bytes(b"old")
    result = run("train", *FAST, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert pynn.load(out).count_params() > 0


def test_help_lists_exactly_the_registered_choices_and_every_default():
    from pynn.registry import ACTIVATIONS, INITIALIZERS, OPTIMIZERS

    text = run("train", "--help").stdout
    for flag, choices in (("--activation", list(ACTIVATIONS)), ("--init", ["auto", *INITIALIZERS]),
                          ("--optimizer", list(OPTIMIZERS))):
        listed = re.search(re.escape(flag) + r" \{([^}]*)\}", text).group(1)
        assert listed.split(",") == choices
    defaults = pynn.TrainingConfig()
    flat = " ".join(text.split())
    for name, value in defaults.to_dict().items():
        shown = ",".join(map(str, value)) if name == "hidden" else str(value)
        assert f"(default: {shown}" in flat, name
    assert "(default: model.npz)" in flat


def test_out_of_memory_is_one_error_line(monkeypatch, capsys):
    from pynn import cli

    def too_big(args):
        raise MemoryError

    monkeypatch.setattr(cli, "run_train", too_big)
    assert cli.main(["train", "--out", "unused.npz"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("error: out of memory")


LAB_SOLUTIONS = __import__("pathlib").Path(__file__).parent / "lab_solutions"


def test_lab_check_exits_0_when_every_check_passes():
    result = run("lab", "check", "dense", str(LAB_SOLUTIONS / "my_layers.py"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[PASS] gradient check: grads['b']" in result.stdout
    assert re.search(r"\b(\d+) of \1 checks passed", result.stdout)


def test_lab_check_exits_1_and_names_the_failing_check(tmp_path):
    mine = tmp_path / "my_layers.py"
    mine.write_text((LAB_SOLUTIONS / "my_layers.py").read_text().replace(
        "return grad_output * (input > 0)", "return grad_output"))
    result = run("lab", "check", "relu", str(mine))
    assert result.returncode == 1
    assert "[FAIL] gradient check: grad_input" in result.stdout and "hint:" in result.stdout


def test_lab_starter_and_list_help_a_learner_begin(tmp_path):
    listing = run("lab", "list")
    assert listing.returncode == 0
    assert [line.split()[0] for line in listing.stdout.splitlines()] == list(pynn.lab.all_exercises())
    starter = run("lab", "starter", "relu")
    assert starter.returncode == 0 and "TODO" in starter.stdout and "class ReLU(Layer)" in starter.stdout
    missing = run("lab", "check", "relu", str(tmp_path / "nope.py"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "nope.py" in missing.stderr
