"""dist's Pyodide memory snapshot: a started interpreter that the page restores instead of
starting Python from scratch (docs/BOOT.md; the page side is web/js/pyodide-start.js).

``make_snapshot(stage)`` runs devtools/snapshot.mjs under Node on the exact files in
stage/pyodide, gzips the heap it returns and writes into stage/pyodide:

- ``snapshot.bin.gz``: the snapshot, gzipped here so that it downloads at ~6 MB instead of
  ~25 MB from any host (static hosts rarely compress application/octet-stream); the page
  inflates it with DecompressionStream.
- ``snapshot.json``: what the page checks before using it (``describe``): the Pyodide version,
  the sha256 of snapshot.bin.gz, the sha256 of each core file it was made from and the lock's
  sha256 of each package (numpy, pynn) whose imports shaped it.

Made once per set of inputs and cached in .cache/snapshot/. The snapshot API is private and
pinned to Pyodide 0.27.7: with another Pyodide the build goes on without a snapshot (the page
then starts Python normally) and says so, so that an upgrade is not blocked by an optional
speed-up. Any other failure is a BuildError: a snapshot that silently stopped being made would
be a slowdown nobody notices.
"""

import gzip
import json
import shutil
import subprocess
import time
from pathlib import Path

from devtools import CACHE, ROOT, BuildError, last_error_line, sha256_bytes, sha256_file

PINNED_PYODIDE = "0.27.7"        # the version whose private _makeSnapshot/_loadSnapshot we use
SNAPSHOT_FILE = "snapshot.bin.gz"
INFO_FILE = "snapshot.json"
# The core files a snapshot depends on: the runtime (its BUILD_ID is in the snapshot header),
# the JS API that restores it, and the stdlib whose modules are imported in it.
CORE_INPUTS = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
SCRIPT = ROOT / "devtools" / "snapshot.mjs"
GZIP_LEVEL = 9
KEEP_CACHED = 3                  # snapshots kept in .cache/snapshot/ (~6 MB each; pynn edits add one)


def make_snapshot(stage: Path) -> str:
    """Make dist's Pyodide memory snapshot in `stage`; return a one-line log detail."""
    pyodide_dir = stage / "pyodide"
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    version = lock["info"]["version"]
    if version != PINNED_PYODIDE:
        return (f"none: Pyodide {version} is not {PINNED_PYODIDE}, whose private snapshot API "
                f"devtools/snapshot.mjs uses (docs/BOOT.md); the page starts Python normally")
    made_from = {name: sha256_file(pyodide_dir / name) for name in CORE_INPUTS}
    packages = lock_packages(lock)
    key = cache_key(made_from, packages, sha256_file(SCRIPT))
    cached = CACHE / "snapshot" / f"{key[:24]}.gz"
    start = time.perf_counter()
    if cached.exists() and cached.with_suffix(".json").exists():
        result = json.loads(cached.with_suffix(".json").read_text())
        cached.touch()                       # most recently used: kept by prune_cache
        how = "cached: same Pyodide files, packages and devtools/snapshot.mjs"
    else:
        result = _run_node(pyodide_dir, cached)
        prune_cache(cached.parent, KEEP_CACHED)
        how = f"made under Node in {time.perf_counter() - start:.1f} s"
    shutil.copy2(cached, pyodide_dir / SNAPSHOT_FILE)
    info = describe(version, sha256_file(cached), cached.stat().st_size, result, made_from, packages)
    (pyodide_dir / INFO_FILE).write_text(json.dumps(info, indent=1) + "\n")
    return (f"pyodide/{SNAPSHOT_FILE} ({info['bytes'] / 1e6:.1f} MB heap, "
            f"{info['gzip_bytes'] / 1e6:.2f} MB gzipped, {len(info['preimported'])} stdlib "
            f"modules imported in it; {how})")


def lock_packages(lock: dict) -> dict[str, str]:
    """{package: sha256} of every package in a pyodide-lock.json (the page compares these)."""
    return {name: entry["sha256"] for name, entry in sorted(lock["packages"].items())}


def cache_key(made_from: dict[str, str], packages: dict[str, str], script_sha256: str) -> str:
    """One sha256 over everything that decides the snapshot's contents."""
    text = json.dumps({"core": made_from, "packages": packages, "script": script_sha256},
                      sort_keys=True)
    return sha256_bytes(text.encode())


def describe(version: str, gz_sha256: str, gz_bytes: int, result: dict,
             made_from: dict[str, str], packages: dict[str, str]) -> dict:
    """snapshot.json: what web/js/pyodide-start.js checks before restoring the snapshot."""
    if result.get("version") != version:
        raise BuildError(f"devtools/snapshot.mjs ran Pyodide {result.get('version')!r}, "
                         f"but stage/pyodide is {version}")
    return {
        "pyodide_version": version,
        "file": SNAPSHOT_FILE,
        "sha256": gz_sha256,
        "bytes": result["bytes"],
        "gzip_bytes": gz_bytes,
        "made_from": made_from,
        "packages": packages,
        "preimported": result["preimported"],
    }


def prune_cache(folder: Path, keep: int) -> None:
    """Delete all but the `keep` newest cached snapshots (each a .gz and its .json)."""
    entries = sorted(folder.glob("*.gz"), key=lambda path: path.stat().st_mtime_ns, reverse=True)
    for old in entries[keep:]:
        old.with_suffix(".json").unlink(missing_ok=True)
        old.unlink(missing_ok=True)


def parse_node_output(stdout: str) -> dict:
    """The JSON line devtools/snapshot.mjs prints last; BuildError if there is none."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise BuildError(f"devtools/snapshot.mjs printed no result line: "
                         f"{last_error_line(stdout)}") from None
    missing = {"version", "bytes", "preimported"} - set(result)
    if missing:
        raise BuildError(f"devtools/snapshot.mjs result lacks {', '.join(sorted(missing))}")
    return result


def _run_node(pyodide_dir: Path, cached: Path) -> dict:
    node = shutil.which("node")
    if node is None:
        raise BuildError("node not found on PATH: it makes the Pyodide snapshot (install Node.js 20)")
    cached.parent.mkdir(parents=True, exist_ok=True)
    raw = cached.with_suffix(".bin.tmp")
    try:
        run = subprocess.run([node, str(SCRIPT), str(pyodide_dir), str(raw)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if run.returncode or not raw.exists():
            raise BuildError(f"making the Pyodide snapshot failed: {last_error_line(run.stderr)}")
        result = parse_node_output(run.stdout)
        data = raw.read_bytes()
    finally:
        raw.unlink(missing_ok=True)
    if len(data) != result["bytes"]:
        raise BuildError(f"devtools/snapshot.mjs wrote {len(data)} bytes but reported {result['bytes']}")
    packed = cached.with_suffix(".gz.tmp")
    packed.write_bytes(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))
    cached.with_suffix(".json").write_text(json.dumps(result) + "\n")
    packed.replace(cached)          # last: the .gz existing means the entry is complete
    return result
