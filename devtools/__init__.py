"""Helpers for build.py and run_tests.py: venv bootstrap, npm, Pyodide assembly, static server.

Not shipped and not part of pynn. Standard library only, except the one function that
imports pyodide-lock (which the venv installs), so that `python3 build.py` can start on a
fresh machine with nothing but Python and Node.

Every expected failure (a missing tool, a failed download, a checksum mismatch) raises
`BuildError` with a message meant to be printed as ONE line; the scripts print it and exit 1.
"""

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"          # downloads and build caches; git-ignored, safe to delete
DIST = ROOT / "dist"

# Debian's chromium, driven by PyPI playwright (`executable_path=CHROMIUM`); never `playwright install`.
CHROMIUM = "/usr/bin/chromium"
# Flags measured here (docs/PYODIDE.md): headless as root, and no background calls to Google hosts.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


class BuildError(Exception):
    """An expected failure; str(error) is a single line telling the user what to do."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def say(tool: str, what: str, detail: str = "") -> None:
    """Print one aligned progress line, e.g. `build: npm ci       web/node_modules up to date`."""
    print(f"{tool}: {what:<13} {detail}".rstrip(), flush=True)


def fail(tool: str, error: BaseException) -> int:
    """Print the one error line for `error` and return the exit code."""
    print(f"{tool}: error: {error}", file=sys.stderr, flush=True)
    return 1


def last_error_line(text: str) -> str:
    """The most telling line of a tool's output: its last 'error' line, else its last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["(no output)"])[-1][:300]
