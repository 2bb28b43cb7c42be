"""The command line as a learner meets it: a numpy-only install, learner code that ends
Python or loops, files in other encodings, a full disk. Every bad input ends with one
``error: ...`` line and exit status 2; a learner's code that misbehaves is a failed check."""

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import pynn
from pynn import cli

pytestmark = pytest.mark.native_only(reason="runs `python -m pynn` in subprocesses")

LAB_SOLUTIONS = Path(__file__).parent / "lab_solutions"
HEADER = "label," + ",".join(f"p{i}" for i in range(784))


def run(*args, python=sys.executable, timeout=120):
    return subprocess.run([python, "-m", "pynn", *args], capture_output=True, text=True,
                          timeout=timeout)


def assert_one_error_line(result, *fragments):
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory, digits):
    """200 digits in the assignment's CSV format: enough to train one quick epoch."""
    path = tmp_path_factory.mktemp("csv") / "mnist_small.csv"
    rows = [f"{y}," + ",".join(map(str, np.round(x * 255).astype(int)))
            for x, y in zip(digits.X_train[:200], digits.y_train[:200])]
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


# -- 1. `pip install -e .` gives numpy only: pandas and tqdm are extras ------------------------

@pytest.fixture(scope="module")
def numpy_only_python(tmp_path_factory):
    """A Python that can import numpy and pynn and nothing else installed: a venv made
    offline (no pip) whose one .pth file points at links to this environment's numpy and pynn."""
    root = tmp_path_factory.mktemp("numpy-only")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")],
                   check=True, timeout=120)
    python = root / "venv" / ("Scripts" if os.name == "nt" else "bin") / "python"
    packages = root / "packages"
    packages.mkdir()
    numpy_home = Path(np.__file__).parent
    for source in (numpy_home, numpy_home.with_name("numpy.libs"), Path(pynn.__file__).parent):
        if source.exists():
            (packages / source.name).symlink_to(source, target_is_directory=True)
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "numpy_only.pth").write_text(f"{packages}\n")
    return python


def test_the_numpy_only_python_has_numpy_and_pynn_but_not_pandas_or_tqdm(numpy_only_python):
    probe = ("import importlib.util as u, numpy, pynn; "
             "print([n for n in ('pandas', 'tqdm') if u.find_spec(n)])")
    result = subprocess.run([numpy_only_python, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    no_pandas = subprocess.run([numpy_only_python, "-c", "import pandas"], capture_output=True)
    assert no_pandas.returncode != 0


def test_train_and_evaluate_on_a_csv_work_with_numpy_only(numpy_only_python, small_csv, tmp_path):
    out = tmp_path / "m.npz"
    # progress bars on: tqdm's absence must be fine too
    trained = run("train", "--csv", str(small_csv), "--epochs", "1", "--hidden", "16",
                  "--out", str(out), python=numpy_only_python)
    assert trained.returncode == 0, trained.stderr
    assert "training on 160 examples" in trained.stdout and out.exists()
    evaluated = run("evaluate", str(out), "--csv", str(small_csv), python=numpy_only_python)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "200 examples" in evaluated.stdout and "confusion matrix" in evaluated.stdout


def test_a_bad_csv_is_one_error_line_with_numpy_only(numpy_only_python, small_csv, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(small_csv.read_bytes().replace(b"\n5,", b"\n55,", 1))
    result = run("train", "--csv", str(bad), "--out", str(tmp_path / "m.npz"), python=numpy_only_python)
    assert_one_error_line(result, "label 55 is not a digit")


def test_lab_check_works_with_numpy_only(numpy_only_python):
    result = run("lab", "check", "relu", str(LAB_SOLUTIONS / "my_layers.py"), python=numpy_only_python)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checks passed" in result.stdout and "[FAIL]" not in result.stdout


def test_load_csv_falls_back_to_numpy_when_pandas_cannot_be_imported(monkeypatch, small_csv):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    images, labels = pynn.load_csv(small_csv)
    assert images.shape == (200, 784) and labels.shape == (200,)
    with pytest.raises(ModuleNotFoundError, match="engine='pandas' needs pandas"):
        pynn.load_csv(small_csv, engine="pandas")  # asked for by name: say it is missing


# -- 3. `lab check` runs the learner's file in a child Python ----------------------------------

RELU = (LAB_SOLUTIONS / "my_layers.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", [
    "raise SystemExit\n",
    "import sys\nsys.exit(0)\n",
    "import os\nos._exit(0)\n",
    RELU.replace("def forward(self, input):", "def forward(self, input):\n        import os; os._exit(3)", 1),
    RELU.replace("def forward(self, input):", "def forward(self, input):\n        import sys; sys.exit(0)", 1),
], ids=["raise SystemExit", "sys.exit(0)", "os._exit(0)", "os._exit(3) in forward", "sys.exit(0) in forward"])
def test_learner_code_that_ends_python_is_a_failed_check(code, tmp_path):
    mine = tmp_path / "my_layers.py"
    mine.write_text(code, encoding="utf-8")
    result = run("lab", "check", "relu", str(mine))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "[FAIL]" in result.stdout and "Traceback" not in result.stderr
    if "os._exit" in code:
        exit_code = "3" if "_exit(3)" in code else "0"
        assert f"your code ended Python (exit code {exit_code})" in result.stdout
        assert "sys.exit/os._exit" in result.stdout


def test_what_learner_code_prints_is_shown_and_does_not_break_the_report(tmp_path):
    mine = tmp_path / "my_layers.py"
    mine.write_text('print("hello from my layer")\n' + RELU, encoding="utf-8")
    result = run("lab", "check", "relu", str(mine))
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "hello from my layer" in result.stdout + result.stderr


def test_ctrl_c_during_lab_check_ends_the_child_and_says_interrupted(tmp_path):
    started = tmp_path / "started"
    mine = tmp_path / "my_layers.py"
    mine.write_text(f"import os\nopen({str(started)!r}, 'w').write(str(os.getpid()))\n"
                    "while True:\n    pass\n", encoding="utf-8")
    parent = subprocess.Popen(  # SIGINT at its default, even if this test runner ignores it
        [sys.executable, "-m", "pynn", "lab", "check", "relu", str(mine)], text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while not (started.exists() and started.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(started.read_text())
        os.kill(parent.pid, signal.SIGINT)
        out, err = parent.communicate(timeout=30)
    finally:
        parent.kill()
    assert parent.returncode == 130, (out, err)
    assert err.splitlines() == ["interrupted"] and "Traceback" not in err
    time.sleep(0.1)
    with pytest.raises(ProcessLookupError):  # the learner's loop is gone, not orphaned
        os.kill(child, 0)


def test_a_file_that_is_not_utf8_is_one_error_line_naming_it(tmp_path):
    mine = tmp_path / "latin1.py"
    mine.write_bytes(b"# caf\xe9\n" + RELU.encode())
    assert_one_error_line(run("lab", "check", "relu", str(mine)), f"{mine} is not UTF-8 text")


def test_a_utf8_file_with_a_byte_order_mark_is_checked(tmp_path):
    mine = tmp_path / "bom.py"
    mine.write_bytes(b"\xef\xbb\xbf" + RELU.encode())
    result = run("lab", "check", "relu", str(mine))
    assert result.returncode == 0, (result.stdout, result.stderr)


@pytest.mark.parametrize("name", ["missing.py", ""], ids=["missing file", "a folder"])
def test_a_missing_file_or_a_folder_is_one_error_line_naming_it(name, tmp_path):
    path = tmp_path / name
    assert_one_error_line(run("lab", "check", "relu", str(path)), str(path))


# -- 4. out of memory: each command says what is too big ---------------------------------------

@pytest.mark.parametrize("argv, runner, words", [
    (["train", "--out", "unused.npz"], "run_train", "try a smaller --hidden or --batch-size"),
    (["evaluate", "m.npz"], "run_evaluate", "the model or the data is too big"),
    (["lab", "check", "relu", "mine.py"], "run_lab", "your code ran out of memory"),
])
def test_out_of_memory_says_what_is_too_big_for_each_command(argv, runner, words, monkeypatch, capsys):
    def out_of_memory(args):
        raise MemoryError

    monkeypatch.setattr(cli, runner, out_of_memory)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("error: out of memory"), err
    assert words in err
    others = {"train": "--hidden", "evaluate": "the model or the data", "lab": "your code"}
    assert not [w for command, w in others.items() if command != argv[0] and w in err], err


# -- 5. --out is proven writable before training, and a failed save names it -----------------

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="/dev/full is Linux's")
def test_out_dev_full_is_refused_before_training():
    result = run("train", "--epochs", "1", "--hidden", "16", "--out", "/dev/full")
    assert_one_error_line(result, "--out /dev/full", "No space left on device")
    assert result.stdout == ""  # nothing was trained


@pytest.mark.parametrize("code, removed", [(errno.ENOSPC, True), (errno.EACCES, False)],
                         ids=["disk full mid-write", "permission denied at open"])
def test_a_save_that_fails_after_training_names_out(code, removed, monkeypatch, capsys, small_csv, tmp_path):
    out = tmp_path / "m.npz"

    def failing_save(network, path, **kwargs):
        if code == errno.ENOSPC:
            Path(path).write_bytes(b"PK\x03\x04 half a model")
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(cli, "save", failing_save)
    out.write_bytes(b"the previous model")
    status = cli.main(["train", "--csv", str(small_csv), "--epochs", "1", "--hidden", "8",
                       "--no-progress", "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    note = " (the incomplete file was removed)" if removed else ""
    assert err.splitlines() == [f"error: --out {out}: {os.strerror(code)}{note}"]
    assert out.exists() != removed  # a model cut short is gone; an untouched one stays
    if not removed:
        assert out.read_bytes() == b"the previous model"


def test_checking_out_leaves_an_existing_file_as_it_was_and_creates_no_file(tmp_path):
    existing = tmp_path / "old.npz"
    existing.write_bytes(b"previous model")
    cli.check_out(existing)
    assert existing.read_bytes() == b"previous model"
    cli.check_out(tmp_path / "new.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.npz"]
