"""pytest's pure-Python wheels for running the core suite inside Pyodide (tests/pyodide/run.mjs).

`ensure_test_wheels()` downloads the hash-pinned wheels of requirements/pyodide-tests.txt into
.cache/pyodide-test-wheels/ (the runner's default --wheels), once: a stamp holding the
requirements file's sha256 marks a complete download, so later runs work offline.
These wheels are test tooling only; they never go into dist/.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from devtools import CACHE, ROOT, BuildError, last_error_line, sha256_file

REQUIREMENTS = ROOT / "requirements" / "pyodide-tests.txt"
WHEELS = CACHE / "pyodide-test-wheels"
STAMP_NAME = ".requirements.sha256"


def ensure_test_wheels(requirements: Path = REQUIREMENTS, dest: Path = WHEELS) -> str:
    """Make `dest` hold exactly the pinned wheels; return what was done. Raises BuildError."""
    digest = sha256_file(requirements)
    stamp = dest / STAMP_NAME
    if stamp.exists() and stamp.read_text().strip() == digest:
        return f"{dest.relative_to(ROOT)}/ up to date ({len(list(dest.glob('*.whl')))} wheels)"
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    # Pyodide 0.27.7 is CPython 3.12: ask for pure wheels that install there.
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "download", "--no-deps",
           "--only-binary=:all:", "--python-version", "3.12", "--platform", "any",
           "--implementation", "py", "--require-hashes", "--progress-bar", "off",
           "-r", str(requirements), "-d", str(partial)]
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode:
        raise BuildError(f"could not download pytest's wheels for Pyodide ({requirements.name}): "
                         f"{last_error_line(result.stdout)}")
    (partial / STAMP_NAME).write_text(digest + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    partial.rename(dest)
    return f"downloaded {len(list(dest.glob('*.whl')))} wheels into {dest.relative_to(ROOT)}/"
