"""What dist/ is built from, hashed: `python3 build.py serve` rebuilds only when this changes."""

import hashlib
import json
from pathlib import Path

from devtools import CACHE, ROOT

# Everything a build reads from the checkout. A change to any of these files means "rebuild".
INPUT_DIRS = ("pynn", "web", "devtools", "kernels")
INPUT_FILES = ("build.py", "pyproject.toml", "requirements/dev.txt", "requirements/pyodide-build.txt")
SKIP_DIRS = {"node_modules", "__pycache__", ".pytest_cache"}
SKIP_SUFFIXES = (".pyc", ".swp", "~")
STAMP = CACHE / "dist.stamp.json"


def input_files(root: Path = ROOT, dirs=INPUT_DIRS, files=INPUT_FILES) -> list[Path]:
    found = [root / name for name in files if (root / name).is_file()]
    for name in dirs:
        for path in (root / name).rglob("*"):
            parts = set(path.relative_to(root).parts)
            if (path.is_file() and not parts & SKIP_DIRS and not path.name.endswith(SKIP_SUFFIXES)
                    and not any(p.endswith(".egg-info") for p in parts)):
                found.append(path)
    return sorted(found)


def hash_inputs(root: Path = ROOT, dirs=INPUT_DIRS, files=INPUT_FILES) -> str:
    """sha256 over (relative path, content) of every input file."""
    digest = hashlib.sha256()
    for path in input_files(root, dirs, files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def read_stamp(stamp: Path = STAMP) -> dict:
    try:
        return json.loads(stamp.read_text())
    except (OSError, ValueError):
        return {}


def write_stamp(record: dict, stamp: Path = STAMP) -> None:
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
