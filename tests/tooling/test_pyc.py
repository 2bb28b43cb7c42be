"""devtools/pyc.py: wheels shipped as .pyc for Pyodide's Python 3.12, still importable, with a
RECORD that matches, and without the files only type checkers and C compilers read."""

import base64
import hashlib
import subprocess
import zipfile

import pytest

from devtools import pyc

PYTHON = pyc.find_python()
needs_312 = pytest.mark.skipif(PYTHON is None, reason="no python3.12 on this machine (the build then keeps .py)")


def make_wheel(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("toy/__init__.py", "from toy.mod import twice\n")
        z.writestr("toy/mod.py", '"""Doubles."""\n\ndef twice(x):\n    assert x is not None\n    return 2 * x\n')
        z.writestr("toy/mod.pyi", "def twice(x: int) -> int: ...\n")
        z.writestr("toy/include/toy.h", "int twice(int);\n")
        z.writestr("toy/data.txt", "kept\n")
        z.writestr("toy-1.0.dist-info/METADATA", "Name: toy\nVersion: 1.0\n")
        z.writestr("toy-1.0.dist-info/RECORD", "stale\n")
    return path


def test_find_python_gives_a_312_or_nothing():
    if PYTHON is not None:
        out = subprocess.run([PYTHON, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
        assert out.stdout.strip() == "(3, 12)"


@needs_312
def test_a_compiled_wheel_imports_without_sources_and_its_record_matches(tmp_path):
    wheel = make_wheel(tmp_path / "toy-1.0-py3-none-any.whl")
    detail = pyc.compile_in_place(wheel, PYTHON)
    assert "2 .py -> .pyc" in detail
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert names == {"toy/__init__.pyc", "toy/mod.pyc", "toy/data.txt",
                         "toy-1.0.dist-info/METADATA", "toy-1.0.dist-info/RECORD"}
        record = z.read("toy-1.0.dist-info/RECORD").decode().splitlines()
        for line in record:
            name, digest, size = line.rsplit(",", 2)
            if name.endswith("RECORD"):
                assert digest == size == ""
                continue
            data = z.read(name)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert int(size) == len(data)
        z.extractall(tmp_path / "site")
    run = subprocess.run([PYTHON, "-c", "import toy, toy.mod; print(toy.twice(21), toy.mod.__doc__, toy.mod.__file__)"],
                         cwd=tmp_path / "site", capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    answer, doc, file = run.stdout.split()[0], " ".join(run.stdout.split()[1:-1]), run.stdout.split()[-1]
    assert answer == "42" and doc == "Doubles." and file.endswith("toy/mod.pyc")


@needs_312
def test_compiling_is_reproducible(tmp_path):
    first = make_wheel(tmp_path / "a.whl")
    second = make_wheel(tmp_path / "b.whl")
    pyc.compile_in_place(first, PYTHON)
    pyc.compile_in_place(second, PYTHON)
    assert first.read_bytes() == second.read_bytes()


@needs_312
def test_a_syntax_error_is_one_build_error_line(tmp_path):
    from devtools import BuildError

    wheel = tmp_path / "bad.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("bad/__init__.py", "def (:\n")
    with pytest.raises(BuildError, match="compiling bad.whl to .pyc failed: .*SyntaxError"):
        pyc.compile_in_place(wheel, PYTHON)
    assert zipfile.ZipFile(wheel).namelist() == ["bad/__init__.py"]     # left as it was
