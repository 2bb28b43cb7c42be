"""Bytecode instead of sources in dist/: .pyc for the standard library, numpy and pynn.

Pyodide 0.27.7's npm package ships `python_stdlib.zip` as .py sources, the official numpy
wheel does too, and Pyodide sets `sys.dont_write_bytecode`: every import in the page compiles
source first, on every visit. Measured under Node: `import numpy` 0.85-1.05 s, `import pynn`
0.21 s. Compiled ahead, with the same Python minor version (3.12: the .pyc magic number must
match), the page only unmarshals code objects.

Each wheel's `x.py` becomes a sourceless `x.pyc` in the same place (what Python imports when
there is no source; tracebacks then show file and line, without the line's text), and the
files only type checkers and C compilers read (`.pyi`, `.h`, ...) are left out, which pays
for most of the extra bytes (numpy's wheel: 3.06 -> 3.3 MB). RECORD is rewritten to match.
The standard library stays as it is: the memory snapshot (docs/BOOT.md) already holds the
modules the page imports, and its .pyc would add 1.6 MB. Compiling needs a host `python3.12` (on PATH or under
pyenv); without one the build keeps the sources and says so: slower, never wrong.

This file also runs under that python3.12 (`python3.12 devtools/pyc.py ARCHIVE PREFIX`), so
the part below `compile_archive` uses the standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import marshal
import os
import shutil
import subprocess
import sys
import zipfile
from importlib.util import MAGIC_NUMBER
from pathlib import Path

TARGET = (3, 12)                 # Pyodide 0.27.7's Python
SITE_PREFIX = "/lib/python3.12/site-packages/"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)   # reproducible archives
# read by type checkers and C compilers only, never at run time
NOT_AT_RUN_TIME = (".pyi", ".pxd", ".pyx", ".h", ".c", ".a")


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


def compile_in_place(archive: Path, python: str, prefix: str = SITE_PREFIX) -> str:
    """Replace the wheel `archive`'s .py files by .pyc (compiled by `python`); return a log detail."""
    before = archive.stat().st_size
    result = subprocess.run([python, str(Path(__file__).resolve()), str(archive), prefix],
                            capture_output=True, text=True)
    if result.returncode:
        from devtools import BuildError, last_error_line

        raise BuildError(f"compiling {archive.name} to .pyc failed: {last_error_line(result.stderr or result.stdout)}")
    return f"{archive.name}: {result.stdout.strip()} .py -> .pyc ({before / 1e6:.2f} -> {archive.stat().st_size / 1e6:.2f} MB)"


# -- runs under the target Python ----------------------------------------------------------

def _pyc(source: bytes, filename: str) -> bytes:
    """A timestamp .pyc (mtime 0: there is no source to compare with) of `source`."""
    code = compile(source, filename, "exec", dont_inherit=True)
    header = MAGIC_NUMBER + (0).to_bytes(4, "little") + (0).to_bytes(4, "little")
    return header + (len(source) & 0xFFFFFFFF).to_bytes(4, "little") + marshal.dumps(code)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def compile_archive(archive: Path, prefix: str) -> int:
    """Rewrite the zip `archive` with every .py member compiled to a .pyc beside it and the
    NOT_AT_RUN_TIME files left out; a wheel's RECORD is rewritten to list what is left.
    Returns how many files were compiled."""
    members: list[tuple[str, bytes, int]] = []      # name, data, compression (kept as it was)
    compiled = 0
    with zipfile.ZipFile(archive) as zin:
        for info in zin.infolist():
            if info.is_dir():
                continue
            name, data = info.filename, zin.read(info)
            if name.endswith(NOT_AT_RUN_TIME):
                continue
            if name.endswith(".py"):
                name, data = name + "c", _pyc(data, prefix + name)
                compiled += 1
            members.append((name, data, info.compress_type))
    records = [name for name, _, _ in members if name.endswith(".dist-info/RECORD")]
    if records:
        lines = [_record_line(name, data) for name, data, _ in members if name != records[0]]
        members = [m for m in members if m[0] != records[0]]
        members.append((records[0], ("\n".join(lines + [f"{records[0]},,"]) + "\n").encode(), zipfile.ZIP_DEFLATED))
    tmp = archive.with_suffix(archive.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zout:
        for name, data, compression in members:
            zout.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, compress_type=compression, compresslevel=9)
    os.replace(tmp, archive)
    return compiled


if __name__ == "__main__":
    if sys.version_info[:2] != TARGET:
        sys.exit(f"needs Python {TARGET[0]}.{TARGET[1]} (its .pyc format), this is {sys.version.split()[0]}")
    print(compile_archive(Path(sys.argv[1]), sys.argv[2]))
