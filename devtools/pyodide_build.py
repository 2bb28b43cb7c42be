"""pyodide-build, pinned, in a Python 3.12 environment of the build's own (.venv-py312/).

pyodide-build is Pyodide's packaging toolkit. `pyodide build`, `pyodide venv` and `pyodide
config` first download a cross-build environment, which no registry here carries; the two
jobs the build gives it need nothing but the files on disk:

- `pyodide py-compile DIR`: the wheels in DIR as .pyc instead of .py, their new names and
  sha256s in DIR's pyodide-lock.json (devtools/pyodide_dist.py's `compile_wheels`);
- `pyodide auditwheel exports|imports FILE`: a side module's exported and imported symbols
  (devtools/kernel.py's check of pynn's kernel).

It runs under Python 3.12, Pyodide 0.27.7's: a .pyc is only read by the minor version that
wrote it, and py-compile writes them for the Python running it. The build's own .venv/ may be
another version, so pyodide-build gets an environment of its own, made with a host `python3.12`
(on PATH or under pyenv) from requirements/pyodide-build.txt (every package pinned with its
sha256, `pip install --require-hashes`), and reused while that file is unchanged. Without a
python3.12 there is no such environment: `command()` says None and each caller says what it
does instead.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

from devtools import CACHE, ROOT, BuildError, last_error_line, say

TARGET = (3, 12)                   # Pyodide 0.27.7's Python
ENV = ROOT / ".venv-py312"
REQUIREMENTS = ROOT / "requirements" / "pyodide-build.txt"
STAMP_NAME = "pyodide-build.stamp"
# `pyodide auditwheel` lines: exports "      FUNC<tab>name", imports "       env    MEMORY<tab>memory"
SYMBOL_KINDS = "FUNC|TABLE|MEMORY|GLOBAL|TAG"
EXPORT_LINE = re.compile(rf"^\s*({SYMBOL_KINDS})\t(\S+)$")
IMPORT_LINE = re.compile(rf"^\s*(\S+)\s+({SYMBOL_KINDS})\t(\S+)$")


def find_python(target=TARGET) -> str | None:
    """A host Python of the `target` minor version: `python3.12` on PATH, else pyenv's."""
    name = f"python{target[0]}.{target[1]}"
    candidates = [shutil.which(name)]
    candidates += sorted(str(p) for p in Path.home().glob(f".pyenv/versions/{target[0]}.{target[1]}.*/bin/{name}"))
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == str(tuple(target)):
            return candidate
    return None


def requirements_key(requirements: Path = REQUIREMENTS) -> str:
    return hashlib.sha256(requirements.read_bytes()).hexdigest()


def is_current(env: Path = ENV) -> bool:
    stamp = env / STAMP_NAME
    return ((env / "bin" / "pyodide").exists() and stamp.exists()
            and stamp.read_text().strip() == requirements_key())


def command() -> Path | None:
    """The pinned `pyodide` command, its environment made or updated first if needed; None when
    there is no python3.12 here to make it with. Raises BuildError if installing fails."""
    if is_current():
        return ENV / "bin" / "pyodide"
    CACHE.mkdir(exist_ok=True)
    with open(CACHE / "venv-py312.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)      # a test fixture may be building at the same time
        if not is_current():
            python = find_python()
            if python is None:
                return None
            _install(python)
    return ENV / "bin" / "pyodide"


def _install(python: str) -> None:
    say("build", "pyodide-build", f"{ENV.relative_to(ROOT)}/ with {python}: pip install -r "
        f"{REQUIREMENTS.relative_to(ROOT)} (first time: a minute; log: {ENV.name}/pip-install.log)")
    created = _run([python, "-m", "venv", "--clear", str(ENV)])
    if created.returncode:
        raise BuildError(f"`{python} -m venv {ENV.name}` failed: {last_error_line(created.stderr + created.stdout)}")
    installed = _run([str(ENV / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "install",
                      "--progress-bar", "off", "--require-hashes", "--only-binary=:all:",
                      "-r", str(REQUIREMENTS)])
    (ENV / "pip-install.log").write_text(installed.stdout + installed.stderr)
    if installed.returncode:
        raise BuildError(f"installing pyodide-build into {ENV.name}/ failed: {last_error_line(installed.stderr)} "
                         f"(full log: {ENV.name}/pip-install.log)")
    (ENV / STAMP_NAME).write_text(requirements_key() + "\n")


def run(pyodide: Path, *args: str, env: dict | None = None) -> str:
    """`pyodide ARGS` (the last one a path)'s standard output. Raises BuildError with its most
    telling line if it fails."""
    result = _run([str(pyodide), *args], env={**os.environ, **(env or {})})
    if result.returncode:
        raise BuildError(f"`pyodide {args[0]}` failed on {Path(args[-1]).name}: "
                         f"{last_error_line(result.stderr + result.stdout)}")
    return result.stdout


def symbols(pyodide: Path, module: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """A side module's exports [(kind, name)] and imports [(module, kind, name)], as `pyodide
    auditwheel exports` and `imports` list them. A line they print that is not a symbol (a
    future format) raises BuildError rather than being skipped."""
    found = []
    for what, pattern in (("exports", EXPORT_LINE), ("imports", IMPORT_LINE)):
        lines = run(pyodide, "auditwheel", what, str(module)).splitlines()
        if not lines or lines[0] != f"{module}:":
            raise BuildError(f"`pyodide auditwheel {what} {module.name}` printed {lines[:1]}, not the file's name")
        rows = []
        for line in lines[1:]:
            match = pattern.match(line)
            if match is None:
                raise BuildError(f"`pyodide auditwheel {what}` printed {line.strip()!r}, which is not a symbol")
            rows.append(match.groups())
        found.append(rows)
    return found[0], found[1]


def _run(cmd: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    # rich (through typer) would wrap and colour its output for a terminal; COLUMNS keeps errors on one line
    env = {**(env or os.environ), "NO_COLOR": "1", "COLUMNS": "300"}
    env = {k: v for k, v in env.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
