"""Run build.py / run_tests.py inside an up-to-date .venv/, creating it on first use.

Both scripts start under the bare system `python3` and call `ensure_venv()` first:

1. If .venv/ is missing (or its python is broken), create it with `python3 -m venv`.
2. If its stamp differs from a hash of requirements/dev.txt + pyproject.toml + the Python
   version, `pip install -r requirements/dev.txt` and `pip install -e .` into it.
3. If we are not already running inside .venv/, re-exec the same script with its python.

When nothing changed this costs one small file read. Removing a pin from dev.txt does not
uninstall the package; delete .venv/ for a pristine environment.
"""

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from devtools import CACHE, ROOT, BuildError, last_error_line, say

VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements" / "dev.txt"
STAMP_NAME = "pynn-dev.stamp"
# Puts the repo root on the venv's sys.path, so `import devtools` / `import build` work in
# tests and tools run with .venv/bin/python from anywhere.
PTH_NAME = "pynn_studio_repo.pth"
REEXEC_FLAG = "PYNN_STUDIO_VENV"


def venv_python(venv: Path = VENV) -> Path:
    return venv / "bin" / "python"


def requirements_key(root: Path = ROOT) -> str:
    """What the venv's contents depend on; a change means "reinstall"."""
    digest = hashlib.sha256(f"python {sys.version_info[:2]}\n".encode())
    for name in ("requirements/dev.txt", "pyproject.toml"):
        path = root / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    return digest.hexdigest()


def is_current(venv: Path = VENV, root: Path = ROOT) -> bool:
    stamp = venv / STAMP_NAME
    return (venv_python(venv).exists() and stamp.exists()
            and stamp.read_text().strip() == requirements_key(root))


def running_in(venv: Path = VENV) -> bool:
    return Path(sys.prefix).resolve() == venv.resolve()


def ensure_venv(script: str, argv: list[str], tool: str) -> None:
    """Make sure `script` runs inside an up-to-date .venv/; re-execs it there if needed.

    Returns only when the current process is the venv's python. Raises BuildError.
    """
    if is_current():
        if running_in(VENV):
            say(tool, "venv", ".venv up to date")
            return
    else:
        CACHE.mkdir(exist_ok=True)
        with open(CACHE / "venv.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)     # another build/test run may be installing
            if not is_current():
                _install()
    if running_in(VENV):
        return
    if os.environ.get(REEXEC_FLAG) == str(VENV):
        raise BuildError(f"re-running under {venv_python()} did not enter .venv (sys.prefix={sys.prefix})")
    os.environ[REEXEC_FLAG] = str(VENV)
    python = str(venv_python())
    os.execv(python, [python, script, *argv])


def _install() -> None:
    # npm ci and pyodide-build's environment need no .venv/: they go on beside its install
    subprocess.Popen([sys.executable, "-m", "devtools.early"], cwd=ROOT, stdin=subprocess.DEVNULL)
    python = venv_python()
    if not python.exists() or _run([str(python), "-c", "import sys"], check=False).returncode:
        say("venv", "create", f"{VENV.relative_to(ROOT)}/ with {sys.executable} (first run takes a minute)")
        result = _run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=False)
        if result.returncode:
            raise BuildError(f"`python3 -m venv .venv` failed ({last_error_line(result.stdout)}); "
                             "on Debian/Ubuntu install it with: apt-get install python3-venv")
    say("venv", "pip install", f"-r {REQUIREMENTS.relative_to(ROOT)} and -e . (log: .venv/pip-install.log)")
    log = VENV / "pip-install.log"
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "install", "--progress-bar", "off"]
    with open(log, "w") as out:
        for args in (["-r", str(REQUIREMENTS)],
                     # Again with -r so pynn's dependencies resolve to the pins; setuptools
                     # comes from dev.txt, so pynn itself installs without a network.
                     ["--no-build-isolation", "-r", str(REQUIREMENTS), "-e", str(ROOT)]):
            out.write(f"$ pip install {' '.join(args)}\n")
            out.flush()
            result = _run(pip + args, check=False)
            out.write(result.stdout)
            if result.returncode:
                raise BuildError(f"pip install {' '.join(args[-2:])} failed: {last_error_line(result.stdout)} "
                                 f"(full log: {log.relative_to(ROOT)})")
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    (Path(site) / PTH_NAME).write_text(str(ROOT) + "\n")
    (VENV / STAMP_NAME).write_text(requirements_key() + "\n")


def _run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=check, env=env, cwd=ROOT)
