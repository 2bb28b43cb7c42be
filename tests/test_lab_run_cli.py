"""``python -m pynn lab run``: the assignment's loop in the terminal with the learner's code,
beside pynn's reference run of the same recipe and seed."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.native_only(reason="runs `python -m pynn` in a subprocess")

SOLUTIONS = Path(__file__).parent / "lab_solutions"
TINY = ["--epochs", "2", "--examples", "1000", "--hidden", "16", "--no-progress"]


def lab_run(path: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pynn", "lab", "run", str(path), *options],
                          capture_output=True, text=True, timeout=300)


def test_a_correct_assignment_trains_exactly_like_pynns_reference():
    result = lab_run(SOLUTIONS / "notebook_assignment.py", *TINY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "your ReLU, your Dense, your loss, your forward, your predict, your train, your " \
           "iterate_minibatches" in result.stdout
    epochs = re.findall(r"^epoch +\d+: .* val +([\d.]+)%   pynn's reference: val +([\d.]+)%$",
                        result.stdout, re.MULTILINE)
    assert len(epochs) == 2 and all(mine == theirs for mine, theirs in epochs)
    assert "(+0.0 points): as good as pynn's" in result.stdout


def test_a_part_that_fails_its_checks_is_pynns_and_says_why():
    result = lab_run(SOLUTIONS / "notebook" / "as_published.py", *TINY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pynn's Dense" in result.stdout
    assert "pynn's Dense: it does not pass the dense checks yet (the SGD step: self.weights)" in result.stdout


def test_code_that_ends_python_fails_the_run(tmp_path):
    code = (SOLUTIONS / "notebook_assignment.py").read_text() + "\nimport os\nos._exit(0)\n"
    path = tmp_path / "mine.py"
    path.write_text(code)
    result = lab_run(path, *TINY)
    assert result.returncode == 1
    assert "sys.exit or os._exit" in result.stderr


def test_lab_list_shows_every_exercise_with_its_title_apart():
    result = subprocess.run([sys.executable, "-m", "pynn", "lab", "list"], capture_output=True, text=True)
    assert re.search(r"^iterate_minibatches +\S", result.stdout, re.MULTILINE), result.stdout
