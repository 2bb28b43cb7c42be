"""pyodide-build in the build (devtools/pyodide_build.py, pyodide_dist.compile_wheels): its pinned
environment, and wheels shipped as .pyc for Pyodide's Python 3.12 that still import, whose
RECORD and lock sha256 match, that leave out what only type checkers and C compilers read,
and that come out byte for byte the same from the same inputs."""

import base64
import hashlib
import json
import re
import subprocess
import zipfile

import pytest

from devtools import BuildError, pyodide_build, sha256_file
from devtools.pyodide_dist import FIXED_TIME, compile_wheels

PYTHON = pyodide_build.find_python()
needs_312 = pytest.mark.skipif(PYTHON is None, reason="no python3.12 on this machine (the build then keeps .py)")
TOY = "toy-1.0-py3-none-any.whl"
COMPILED_TOY = "toy-1.0-cp312-none-any.whl"     # py-compile's name: it now needs CPython 3.12


def make_site(folder):
    """A toy wheel, a stand-in for the standard library's zip and a lock listing the wheel."""
    folder.mkdir()
    with zipfile.ZipFile(folder / TOY, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("toy/__init__.py", "from toy.mod import twice\n")
        z.writestr("toy/mod.py", '"""Doubles."""\n\ndef twice(x):\n    assert x is not None\n    return 2 * x\n')
        z.writestr("toy/mod.pyi", "def twice(x: int) -> int: ...\n")
        z.writestr("toy/include/toy.h", "int twice(int);\n")
        z.writestr("toy/data.txt", "kept\n")
        z.writestr("toy-1.0.dist-info/METADATA", "Name: toy\nVersion: 1.0\n")
        z.writestr("toy-1.0.dist-info/RECORD", "stale\n")
    with zipfile.ZipFile(folder / "python_stdlib.zip", "w") as z:
        z.writestr("json/__init__.py", "left as shipped\n")
    lock = {"info": {"version": "0.27.7"},
            "packages": {"toy": {"name": "toy", "file_name": TOY, "sha256": sha256_file(folder / TOY)}}}
    (folder / "pyodide-lock.json").write_text(json.dumps(lock))
    return folder


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """Two sites compiled one after the other, and what compile_wheels said of the first."""
    first, second = (make_site(tmp_path_factory.mktemp("build") / "pyodide") for _ in range(2))
    if pyodide_build.command() is None:
        pytest.skip("no python3.12 on this machine (the build then keeps .py)")
    return first, second, compile_wheels(first, first / "pyodide-lock.json"), compile_wheels(second, second / "pyodide-lock.json")


def test_find_python_gives_a_312_or_nothing():
    if PYTHON is not None:
        out = subprocess.run([PYTHON, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
        assert out.stdout.strip() == "(3, 12)"


def test_every_package_is_pinned_by_version_and_sha256():
    lines = [line for line in pyodide_build.REQUIREMENTS.read_text().splitlines() if line and not line.startswith("#")]
    pins = dict(re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+) --hash=sha256:[0-9a-f]{64}", line).groups() for line in lines)
    assert pins["pyodide-build"] == "0.27.3"
    assert pins["wheel"].startswith("0.45.")          # 0.46 removed wheel.cli, which auditwheel imports


@needs_312
def test_the_environment_holds_exactly_the_pins(compiled):
    assert pyodide_build.is_current()
    frozen = subprocess.run([str(pyodide_build.ENV / "bin" / "python"), "-m", "pip", "freeze", "--all"],
                            capture_output=True, text=True, check=True).stdout.split()
    pinned = {re.sub(r"[-_.]+", "-", line.split(" ")[0]).lower() for line in pyodide_build.REQUIREMENTS.read_text().splitlines()
              if line and not line.startswith("#")}
    installed = {re.sub(r"[-_.]+", "-", line).lower() for line in frozen if not line.startswith("pip==")}
    assert installed == pinned


@needs_312
def test_a_compiled_wheel_is_renamed_in_the_lock_with_its_sha256(compiled):
    site, _, detail, _ = compiled
    assert f"{COMPILED_TOY}: 2 .py -> .pyc" in detail
    assert not (site / TOY).exists()
    entry = json.loads((site / "pyodide-lock.json").read_text())["packages"]["toy"]
    assert entry["file_name"] == COMPILED_TOY and entry["sha256"] == sha256_file(site / COMPILED_TOY)


@needs_312
def test_a_compiled_wheel_holds_pyc_no_sources_no_stubs_and_a_matching_record(compiled):
    site = compiled[0]
    with zipfile.ZipFile(site / COMPILED_TOY) as z:
        assert set(z.namelist()) == {"toy/__init__.pyc", "toy/mod.pyc", "toy/data.txt",
                                     "toy-1.0.dist-info/METADATA", "toy-1.0.dist-info/RECORD"}
        for line in z.read("toy-1.0.dist-info/RECORD").decode().splitlines():
            name, digest, size = line.rsplit(",", 2)
            if name.endswith("RECORD"):
                assert digest == size == ""
                continue
            data = z.read(name)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert int(size) == len(data)
    assert zipfile.ZipFile(site / "python_stdlib.zip").namelist() == ["json/__init__.py"]   # stays as shipped


@needs_312
def test_compiled_code_imports_and_is_named_after_where_pyodide_installs_it(compiled, tmp_path):
    zipfile.ZipFile(compiled[0] / COMPILED_TOY).extractall(tmp_path)
    run = subprocess.run([PYTHON, "-c", "import toy, toy.mod; print(toy.twice(21), toy.mod.__file__, "
                                        "toy.twice.__code__.co_filename)"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    answer, file, code_file = run.stdout.split()
    # the lab tells the learner's frames (relative names) from the library's by this absolute name
    assert answer == "42" and file.endswith("toy/mod.pyc")
    assert code_file == "/lib/python3.12/site-packages/toy/mod.py"


@needs_312
def test_compiling_is_reproducible(compiled):
    first, second = compiled[0] / COMPILED_TOY, compiled[1] / COMPILED_TOY
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as z:
        assert {info.date_time for info in z.infolist()} == {FIXED_TIME}     # not the time of the run
        assert z.read("toy/mod.pyc")[4:8] == (3).to_bytes(4, "little")     # hash-based, not time-stamped


@needs_312
def test_a_syntax_error_is_one_build_error_line(tmp_path):
    site = make_site(tmp_path / "pyodide")
    with zipfile.ZipFile(site / TOY, "a") as z:
        z.writestr("toy/broken.py", "def (:\n")
    with pytest.raises(BuildError, match=r"`pyodide py-compile` failed on pyodide: SyntaxError") as error:
        compile_wheels(site, site / "pyodide-lock.json")
    assert "\n" not in str(error.value)


@needs_312
def test_a_wheel_py_compile_skips_is_refused_not_shipped_with_sources(tmp_path):
    site = make_site(tmp_path / "pyodide")
    (site / TOY).rename(site / "toy.whl")             # not a wheel name: py-compile passes over it
    lock = json.loads((site / "pyodide-lock.json").read_text())
    lock["packages"]["toy"]["file_name"] = "toy.whl"
    (site / "pyodide-lock.json").write_text(json.dumps(lock))
    with pytest.raises(BuildError, match=r"pyodide py-compile left /lib/python3\.12/site-packages/toy/\S+\.py in toy\.whl"):
        compile_wheels(site, site / "pyodide-lock.json")


def test_without_python312_the_sources_stay_and_the_build_says_so(monkeypatch, tmp_path):
    site = make_site(tmp_path / "pyodide")
    before = (site / TOY).read_bytes()
    monkeypatch.setattr(pyodide_build, "command", lambda: None)
    detail = compile_wheels(site, site / "pyodide-lock.json")
    assert detail.startswith("sources kept: no python3.12 here")
    assert (site / TOY).read_bytes() == before
