"""Take it home: the learner's code exported as a Jupyter notebook and as a .py file, each
running the lab's checks on every exercise's code alone, exactly as the page does — green
for correct code, red for a wrong answer, a name one file shares with another never mixing
them up, and code that exits Python never passing."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import pynn.lab
from pynn.lab import courses
from pynn.lab.bridge import LabBridge
from pynn.lab.export import as_python_code, export_files, string_literal

SOLUTIONS = Path(__file__).parent / "lab_solutions"
WRONG = SOLUTIONS / "wrong"
SOLUTION = {exercise_id: pynn.lab.get(exercise_id).solution.lstrip("\n")
            for exercise_id in ("relu", "dense", "train")}
MY_LAYERS = (SOLUTIONS / "my_layers.py").read_text()   # a correct ReLU and Dense, pynn's way
ELU = (SOLUTIONS / "elu.py").read_text()
native_only = pytest.mark.native_only(reason="runs the exported files in a child Python")

# `jupyter nbconvert --execute`, without Jupyter: every code cell in order, in one namespace;
# an exception fails the run (exit 1). SystemExit is not caught, so it would end the run with
# its own code: what the learner's code raises must never get this far.
RUN_NOTEBOOK = """
import json, sys
notebook = json.load(open(sys.argv[1], encoding="utf-8"))
namespace = {"__name__": "__main__"}
for number, cell in enumerate(notebook["cells"]):
    if cell["cell_type"] == "code":
        exec(compile("".join(cell["source"]), f"<cell {number}>", "exec"), namespace)
"""


def run_notebook(tmp_path, files, course=None):
    path = tmp_path / "pynn-assignment.ipynb"
    path.write_text(export_files(files, course)["notebook"], encoding="utf-8")
    return subprocess.run([sys.executable, "-c", RUN_NOTEBOOK, str(path)], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)


def run_python_file(tmp_path, files):
    path = tmp_path / "pynn-assignment.py"
    path.write_text(export_files(files)["python"], encoding="utf-8")
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)


def exported_code(files, course=None) -> tuple[dict, dict]:
    """The ``code`` dict each exported file builds, its checks left out (nothing runs them)."""
    exported = export_files(files, course)
    cells = json.loads(exported["notebook"])["cells"]
    notebook_ns = {}
    for cell in cells:
        if cell["cell_type"] == "code" and cell["id"] != "checks":
            exec("".join(cell["source"]), notebook_ns)
    python_ns = {"__name__": "exported"}
    exec(compile(exported["python"], "pynn-assignment.py", "exec"), python_ns)
    return notebook_ns["code"], python_ns["code"]


@pytest.mark.native_only(reason="nbformat, a test-only dependency, is not in Pyodide")
def test_the_notebook_is_valid_nbformat_4_in_the_assignments_order():
    import nbformat

    files = {"train": SOLUTION["train"], "relu": SOLUTION["relu"]}
    notebook = nbformat.reads(export_files(files)["notebook"], as_version=4)
    nbformat.validate(notebook)
    cells = notebook.cells
    assert [(cell.cell_type, cell.id) for cell in cells] == [
        ("markdown", "title"), ("code", "setup"),
        ("markdown", "relu-statement"), ("code", "relu-code"),
        ("markdown", "train-statement"), ("code", "train-code"),
        ("markdown", "checks-title"), ("code", "checks")]
    title = cells[0].source
    assert "pip install -e ." in title and "PyNN, a different project" in title
    assert "ChecksFailed" in title and "nbconvert" in title
    assert cells[2].source.startswith("## 1. ReLU\n\n")
    assert r"$\max(0, x)$" in cells[2].source   # TeX as it is: Jupyter renders it
    assert cells[3].source.startswith("code[\"relu\"] = r'''\n")
    assert "pynn.lab.check_all(code)" in cells[-1].source
    assert all(cell.outputs == [] for cell in cells if cell.cell_type == "code")


def test_both_files_hold_each_exercises_code_exactly():
    files = {"relu": "\ufeffimport numpy as np\r\nclass ReLU: pass",
             "dense": "s = '''a\\'''' + \"\"\"b\"\"\"  # both quotes\n",
             "own_layer": "x = 1  # a zero-width space\u200b and a NUL \x00 \\\n"}
    expected = {exercise_id: "\n" + as_python_code(text) for exercise_id, text in files.items()}
    assert expected["relu"] == "\nimport numpy as np\nclass ReLU: pass\n"
    from_notebook, from_python = exported_code(files)
    assert from_notebook == expected and from_python == expected
    assert list(from_python) == ["relu", "dense", "own_layer"]   # the assignment's order


@pytest.mark.parametrize("code, opening", [
    ("x = 1\n", "r'''\n"),
    ("s = '''a'''\n", 'r"""\n'),
    ('s = """a"""\n', "r'''\n"),
    ("s = '''a''' + \"\"\"b\"\"\"\n", "'''\n"),     # both quotes: escaped
    ("s = r'\\' + '\\''\n", "r'''\n"),
    ("t = 'ends with quotes'''\n", 'r"""\n'),
    ("path = 'C:\\\\temp\\\\'\n", "r'''\n"),
    ("line = 1 + \\\n    2\n", "r'''\n"),
    ("\tindented = 'é → ×'\n", "r'''\n"),
    ("bell = '\x07'\n", "'''\n"),                         # invisible: escaped
    ("q = \"'''''''\" + '\"\"\"'\n", "'''\n"),
])
def test_string_literal_gives_back_the_code_raw_when_it_can(code, opening):
    literal = string_literal(code)
    assert literal.startswith(opening)
    assert ast.literal_eval(literal) == "\n" + code


def test_the_order_and_the_checks_follow_the_course():
    files = {"own_layer": ELU, "relu": SOLUTION["relu"], "dense": SOLUTION["dense"]}
    exported = export_files(files, course="layers")
    cells = json.loads(exported["notebook"])["cells"]
    assert [cell["id"] for cell in cells if cell["cell_type"] == "code"] == [
        "setup", "relu-code", "dense-code", "own_layer-code", "checks"]
    assert "pynn.lab.check_all(code, course='layers')" in "".join(cells[-1]["source"])
    assert "of the course “Layers: forward and backward”" in "".join(cells[0]["source"])
    assert "pynn.lab.check_all(code, course='layers', in_child=True)" in exported["python"]
    with pytest.raises(ValueError, match="the course 'layers' has no exercise 'train'"):
        export_files({"train": SOLUTION["train"]}, course="layers")


@pytest.mark.parametrize("files, error, message", [
    ({}, ValueError, "nothing to export"),
    ({"relux": "x = 1"}, ValueError, "no exercise 'relux'; there are relu, dense"),
    ({"relu": b"x = 1"}, TypeError, "the code of 'relu' must be a str, got bytes"),
])
def test_bad_files_are_a_clear_error(files, error, message):
    with pytest.raises(error, match=message):
        export_files(files)


def test_the_bridge_answers_export_with_both_files_and_their_names():
    answer = LabBridge().handle({"type": "export", "course": None,
                                 "files": [{"exercise": "relu", "code": SOLUTION["relu"]}]})
    assert answer["ok"] is True
    assert answer["names"] == {"notebook": "pynn-assignment.ipynb", "python": "pynn-assignment.py"}
    assert json.loads(answer["notebook"])["nbformat"] == 4
    assert "code[\"relu\"] = r'''\nimport numpy as np\n" in answer["python"]


def test_check_all_checks_each_exercise_alone_however_names_clash():
    wrong_relu = (WRONG / "relu_zeroes_grad_output.py").read_text()
    wrong_dense_then_elu = ELU.replace("class ELU", "class Dense(Layer):\n    def forward(self, x):\n"
                                       "        return x * 0\n\n    def backward(self, x, g):\n"
                                       "        return g * 0\n\n\nclass ELU")
    results = pynn.lab.check_all({
        "relu": wrong_relu,             # wrong, though the next file defines a correct ReLU
        "dense": MY_LAYERS,             # correct, though the next file defines a wrong Dense
        "own_layer": wrong_dense_then_elu})
    assert [(exercise.id, report.passed) for exercise, report in results.checked] == [
        ("relu", False), ("dense", True), ("own_layer", True)]
    assert results.summary() == "2 of 3 exercises pass their checks; not yet: ReLU (relu)."
    with pytest.raises(pynn.lab.ChecksFailed, match="not yet: ReLU"):
        results.raise_if_failed()


@pytest.mark.parametrize("in_child", [
    False, pytest.param(True, marks=pytest.mark.native_only(reason="checks in a child Python"))])
def test_check_all_follows_a_course_that_turns_hints_off(monkeypatch, in_child):
    quiet = courses.Course(id="quiet", title="Quiet", exercises=("relu",), hints=False)
    monkeypatch.setattr(courses, "_COURSES", {"quiet": quiet})
    starter = {"relu": pynn.lab.get("relu").starter}
    [(_, with_hints)] = pynn.lab.check_all(starter, in_child=in_child).checked
    assert any(result.hints for result in with_hints.results)
    [(_, report)] = pynn.lab.check_all(starter, course="quiet", in_child=in_child).checked
    assert not report.passed and all(result.hints == [] for result in report.results)


@native_only
def test_the_notebook_runs_green_with_correct_code(tmp_path):
    run = run_notebook(tmp_path, {"relu": SOLUTION["relu"], "dense": MY_LAYERS,
                                  "train": SOLUTION["train"]})
    assert run.returncode == 0, run.stderr
    assert "1. ReLU (relu.py): passes" in run.stdout
    assert "2. Dense (dense.py): passes" in run.stdout
    assert run.stdout.rstrip().endswith("All 3 exercises pass their checks.")


@native_only
def test_the_notebook_fails_on_a_wrong_answer_or_code_that_exits(tmp_path):
    run = run_notebook(tmp_path, {"relu": (WRONG / "relu_sys_exit.py").read_text(),
                                  "dense": (WRONG / "dense_notebook_averages.py").read_text(),
                                  "train": SOLUTION["train"]})
    assert run.returncode == 1
    assert "1. ReLU (relu.py): FAILS\n[FAIL] your code runs: " in run.stdout
    assert "[FAIL] the SGD step: self.weights" in run.stdout
    assert "3. train(network, X, y) (train.py): passes" in run.stdout
    assert ("ChecksFailed: 1 of 3 exercises pass their checks; not yet: ReLU (relu), "
            "Dense (dense).") in run.stderr


@native_only
def test_the_python_file_runs_green_then_red_when_code_ends_python(tmp_path):
    green = run_python_file(tmp_path, {"relu": SOLUTION["relu"], "dense": SOLUTION["dense"]})
    assert green.returncode == 0, green.stderr
    assert green.stdout.rstrip().endswith("All 2 exercises pass their checks.")
    ends_python = "import os\nos._exit(0)\n" + SOLUTION["relu"]
    red = run_python_file(tmp_path, {"relu": ends_python, "dense": SOLUTION["dense"]})
    assert red.returncode == 1
    assert "[FAIL] your code runs: your code ended Python (exit code 0)" in red.stdout
    assert red.stdout.rstrip().endswith("1 of 2 exercises pass their checks; not yet: ReLU (relu).")


@native_only
def test_lab_export_on_the_command_line_writes_a_file_that_checks_them(tmp_path):
    (tmp_path / "relu.py").write_text(SOLUTION["relu"])
    (tmp_path / "dense.py").write_text(SOLUTION["dense"])
    command = [sys.executable, "-m", "pynn", "lab", "export", "dense.py", "relu.py"]
    refused = subprocess.run([*command, "-o", "relu.py"], capture_output=True, text=True, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr == "error: relu.py is one of your files: write the export to another\n"
    done = subprocess.run([*command, "-o", "mine.py"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    checked = subprocess.run([sys.executable, "mine.py"], capture_output=True, text=True, cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("1. ReLU (relu.py): passes")
    assert checked.stdout.rstrip().endswith("All 2 exercises pass their checks.")
