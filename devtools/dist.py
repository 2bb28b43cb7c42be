"""Assemble dist/, the static pynn studio site, from pinned, verified sources.

``build()`` makes dist/ from scratch (with the caches in .cache/); ``build_if_needed()`` only
when an input changed (pynn/, web/, the pins). ``build.py`` is the command line around it.
Where each file of dist/ comes from and how it is checked: devtools/pyodide_dist.py and
docs/ARCHITECTURE.md.
"""

import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from devtools import CACHE, DIST, ROOT, BuildError, say, sha256_bytes
from pynn.studio.files import DIGITS as SITE_DIGITS
from pynn.studio.files import PRETRAINED
from pynn.wasm_products import KERNEL_FILE

WEB = ROOT / "web"
NODE_MODULES = WEB / "node_modules"
# Pyodide packages shipped besides pynn and its dependencies (numpy). Add one here only when a
# feature of the page needs it: each costs download time on every cold page load.
EXTRA_PYODIDE_PACKAGES: tuple[str, ...] = ()
WEB_SUFFIXES = (".html", ".css", ".js", ".mjs", ".svg", ".png", ".ico", ".webmanifest")
UPLOT_FILES = ("dist/uPlot.esm.js", "dist/uPlot.min.css", "LICENSE")
# The bundled digits ship as a file of their own, not inside the browser's pynn wheel: the
# worker fetches them when training or the gallery first needs them (pynn.data.install_digits),
# so the page is ready to draw 1.6 MB sooner. CPython installs of pynn keep them inside.
# The names of the site's files are pynn.studio.files' (the worker fetches what Python names).
DIGITS = SITE_DIGITS.file
DIGITS_IN_PYNN = "datasets/digits.npz"
# the pretrained models dist ships: where, and the `python -m pynn train` arguments
MODELS = {model.file: list(model.train_args) for model in PRETRAINED.values()}
MODEL = next(iter(MODELS))   # the one the studio starts with


def log(what: str, detail: str = "") -> None:
    say("build", what, detail)


def build(skip_model: bool = False) -> Path:
    """Build dist/ from scratch (using the caches in .cache/); return its path. Raises BuildError."""
    from devtools import inputs, offline, report

    start = time.perf_counter()
    CACHE.mkdir(exist_ok=True)
    with open(CACHE / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)     # a test fixture may build at the same time
        key = _hash_inputs()
        stage = CACHE / "dist.new"
        shutil.rmtree(stage, ignore_errors=True)
        # Training is the build's longest step and needs one core only: it runs beside the rest.
        models = None if skip_model else _ModelsBeside(stage)
        try:
            _assemble(stage)
        except BaseException:
            if models is not None:
                models.stop()
            raise
        if models is None:
            log("model", f"SKIPPED (--skip-model): dist/{MODEL} not built")
        else:
            for detail in models.wait():
                log("model", detail)
        log("kernel", _build_kernel(stage / KERNEL_FILE))
        log("offline", offline.write_offline_files(stage))     # last: it lists every file

        _replace_dist(stage)
        inputs.write_stamp({"inputs": key, "skip_model": skip_model})
    log("done", f"dist/ in {time.perf_counter() - start:.1f} s")
    print(report.format_table(report.size_rows(DIST)), flush=True)
    return DIST


def _assemble(stage: Path) -> None:
    """Everything in dist/ but the models, the kernel and the offline files, into ``stage``."""
    from concurrent.futures import ThreadPoolExecutor

    from devtools import npm, pyodide_build, pyodide_dist, snapshot

    # The two downloads a first build makes (the bundle; pyodide-build into .venv-py312/) go
    # on beside npm ci and the first steps.
    downloads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="downloads")
    fetched = downloads.submit(pyodide_dist.fetch_bundle, CACHE / "pip")
    tools = downloads.submit(pyodide_build.command)
    downloads.shutdown(wait=False)      # what was submitted still runs
    log("npm ci", npm.ensure_node_modules(WEB))
    pyodide_dir = stage / "pyodide"
    pyodide_dist.copy_core(NODE_MODULES / "pyodide", pyodide_dir)
    log("pyodide core", f"{len(pyodide_dist.CORE_FILES)} files from npm pyodide@{_npm_version('pyodide')}")
    bundle, status = fetched.result()
    log("bundle", status)

    wheel = pyodide_dist.build_wheel(ROOT, pyodide_dir, leave_out=(DIGITS_IN_PYNN,))
    log("digits", _copy_digits(stage / DIGITS))
    lock_path = pyodide_dir / "pyodide-lock.json"
    pyodide_dist.register_wheels(lock_path, [wheel])
    log("pynn wheel", f"{wheel.name} registered in pyodide-lock.json")

    packages = _read_packages(lock_path)
    wanted = pyodide_dist.closure(packages, ["pynn", *EXTRA_PYODIDE_PACKAGES])
    from_bundle = [name for name in wanted if not (pyodide_dir / packages[name]["file_name"]).exists()]
    # Expected sha256s come straight from the npm package's lock (npm verified it), not our copy.
    stock = _read_packages(NODE_MODULES / "pyodide" / "pyodide-lock.json")
    pyodide_dist.extract_verified(bundle, stock, from_bundle, pyodide_dir)
    log("packages", f"{', '.join(from_bundle)}: sha256 equal to npm pyodide-lock.json")
    tools.result()       # pyodide-build ready (or a BuildError saying why not)
    log("bytecode", pyodide_dist.compile_wheels(pyodide_dir, lock_path))

    kept, listed = pyodide_dist.write_trimmed_lock(lock_path)
    log("lock", f"pyodide-lock.json trimmed to {kept} of {listed} packages ({', '.join(wanted)})")

    log("web", _copy_web(stage))
    log("editor", _bundle_editor(stage / "vendor"))
    log("snapshot", snapshot.make_snapshot(stage))


def is_up_to_date(skip_model: bool = False) -> bool:
    """True if dist/ was built from exactly the current inputs (and with a model unless skipped)."""
    from devtools import inputs, npm

    stamp = inputs.read_stamp()
    return (DIST.is_dir() and npm.node_modules_current(WEB)
            and stamp.get("inputs") == _hash_inputs()
            and (skip_model or not stamp.get("skip_model", True)))


def build_if_needed(skip_model: bool = False) -> Path:
    """Build dist/ unless it is up to date (what `serve` and the test fixtures use)."""
    if is_up_to_date(skip_model):
        log("dist", "up to date with pynn/, web/ and the build inputs; not rebuilding")
        return DIST
    return build(skip_model=skip_model)


def _hash_inputs() -> str:
    from devtools import inputs

    return inputs.hash_inputs()


def _build_kernel(out: Path) -> str:
    """pynn's WebAssembly SIMD kernel (devtools/kernel.py), or why the site ships without it."""
    from devtools import kernel

    tools = kernel.ensure_tools()
    if tools is None:
        return (f"NOT BUILT: no clang and wasm-ld here; {kernel.HOW_TO_GET_TOOLS} (without it the "
                f"page multiplies with numpy: same results, ~3x slower training)")
    return kernel.build_kernel(out, tools)


def _npm_version(package: str) -> str:
    import json

    return json.loads((NODE_MODULES / package / "package.json").read_text())["version"]


def _read_packages(lock_path: Path) -> dict:
    import json

    return json.loads(lock_path.read_text())["packages"]


def _copy_web(stage: Path) -> str:
    """web/index.html, *.css, ... and web/js/ into dist; uPlot into dist/vendor/uplot/."""
    copied = []
    for path in sorted(WEB.iterdir()):
        if path.is_file() and path.suffix in WEB_SUFFIXES:
            shutil.copy2(path, stage / path.name)
            copied.append(path.name)
    if (WEB / "js").is_dir():
        shutil.copytree(WEB / "js", stage / "js", ignore=shutil.ignore_patterns(".*", "*~"))
        copied.append(f"js/ ({sum(1 for p in (stage / 'js').rglob('*') if p.is_file())} files)")
    vendor = stage / "vendor" / "uplot"
    vendor.mkdir(parents=True)
    for name in UPLOT_FILES:
        source = NODE_MODULES / "uplot" / name
        if not source.exists():
            raise BuildError(f"{source} is missing: is web/node_modules a complete `npm ci`?")
        shutil.copy2(source, vendor / Path(name).name)
    page = ", ".join(copied) if copied else "no page files in web/ yet"
    return f"{page}; vendor/uplot from npm uplot@{_npm_version('uplot')}"


def _copy_digits(out: Path) -> str:
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "pynn" / DIGITS_IN_PYNN, out)
    return f"{DIGITS} ({out.stat().st_size / 1e6:.2f} MB; left out of the pynn wheel, fetched when needed)"


def _bundle_editor(vendor: Path) -> str:
    """The lab's CodeMirror editor and KaTeX, bundled by esbuild into vendor/codemirror/editor.js
    and vendor/katex/katex.js; KaTeX's stylesheet and its woff2 fonts (the first format its
    stylesheet names, which every browser the page runs in reads) beside it."""
    node = shutil.which("node")
    if node is None:
        raise BuildError("node not found on PATH: it bundles the lab's editor (install Node.js 20)")
    vendor.mkdir(parents=True, exist_ok=True)
    editor, tex = vendor / "codemirror" / "editor.js", vendor / "katex" / "katex.js"
    result = subprocess.run([node, str(ROOT / "devtools" / "bundle_editor.mjs"), str(WEB), str(vendor)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode or not editor.exists() or not tex.exists():
        raise BuildError(f"bundling the editor failed: {result.stdout.strip()[-300:]}")
    shutil.copy2(NODE_MODULES / "codemirror" / "LICENSE", editor.parent / "LICENSE")
    katex = NODE_MODULES / "katex"
    shutil.copy2(katex / "LICENSE", tex.parent / "LICENSE")
    shutil.copy2(katex / "dist" / "katex.min.css", tex.parent / "katex.min.css")
    fonts = sorted((katex / "dist" / "fonts").glob("*.woff2"))
    if not fonts:
        raise BuildError(f"{katex}/dist/fonts has no .woff2 files: is web/node_modules a complete `npm ci`?")
    (tex.parent / "fonts").mkdir()
    for font in fonts:
        shutil.copy2(font, tex.parent / "fonts" / font.name)
    return (f"vendor/codemirror/editor.js ({editor.stat().st_size // 1024} KB) from npm "
            f"codemirror@{_npm_version('codemirror')}, vendor/katex/katex.js ({tex.stat().st_size // 1024} KB) "
            f"with its stylesheet and {len(fonts)} fonts from npm katex@{_npm_version('katex')}, "
            f"by {result.stdout.strip()}")


class _ModelsBeside:
    """The pretrained models, each trained in a process of its own while the build goes on."""

    def __init__(self, stage: Path):
        import threading
        from concurrent.futures import ThreadPoolExecutor

        self._stopped = threading.Event()
        self._processes: list[subprocess.Popen] = []
        self._pool = ThreadPoolExecutor(max_workers=len(MODELS), thread_name_prefix="models")
        self._done = [self._pool.submit(_pretrained_model, stage / name, name, args, self._started)
                      for name, args in MODELS.items()]

    def _started(self, process: subprocess.Popen) -> None:
        self._processes.append(process)
        if self._stopped.is_set():
            process.kill()

    def wait(self) -> list[str]:
        """Each model's log line, once all are trained; the first failure's BuildError."""
        try:
            return [done.result() for done in self._done]
        except BaseException:
            self.stop()
            raise
        finally:
            self._pool.shutdown()

    def stop(self) -> None:
        """The build failed elsewhere: end the training now rather than after it."""
        self._stopped.set()
        for process in self._processes:
            process.kill()
        self._pool.shutdown(cancel_futures=True)


def _pretrained_model(out: Path, name: str, train_args: list[str], started=lambda process: None) -> str:
    """Train a pretrained model with `python -m pynn train <train_args>`, cached per pynn
    source + args (--weights-only: the page needs the weights, not Adam's moments)."""
    from devtools import inputs

    args = ["train", *train_args]
    key = inputs.hash_inputs(dirs=("pynn",), files=("pyproject.toml", "requirements/dev.txt"))
    key = sha256_bytes(f"{key} {' '.join(args)}".encode())
    cached = CACHE / "models" / f"{Path(name).stem}-{key[:16]}.npz"
    out.parent.mkdir(parents=True, exist_ok=True)
    if cached.exists():
        shutil.copy2(cached, out)
        return f"{name} (cached: pynn/ unchanged since it was trained)"
    cmd = [sys.executable, "-m", "pynn", *args, "--out", str(cached) + ".tmp.npz"]
    output = cached.with_suffix(".log")
    log("model", f"training: {' '.join(['python'] + cmd[1:-1])} (beside the build; log: {output})")
    start = time.perf_counter()
    cached.parent.mkdir(parents=True, exist_ok=True)
    # One BLAS thread: with 64-row batches OpenBLAS threads only spin, and on a busy 2-core
    # machine 3 epochs took 42 s instead of 1.3 s. It also makes the model independent of the
    # machine's core count. Its log gets the per-epoch lines, not progress bars.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "TQDM_DISABLE": "1"}
    with open(output, "w") as log_file:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        started(process)
        code = process.wait()
    if code:
        tail = output.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
        raise BuildError(f"`python -m pynn {' '.join(args)}` failed (exit {code}): {tail[0]} (log: {output})")
    trained = Path(str(cached) + ".tmp.npz")
    if not trained.exists():
        raise BuildError(f"`python -m pynn train --out {trained}` exited 0 but wrote no file")
    trained.replace(cached)
    shutil.copy2(cached, out)
    return f"{name} (trained in {time.perf_counter() - start:.1f} s)"


def _replace_dist(stage: Path) -> None:
    """Swap the finished build in, so dist/ is never half-built (a running server keeps working)."""
    old = CACHE / "dist.old"
    shutil.rmtree(old, ignore_errors=True)
    if DIST.exists():
        DIST.rename(old)
    stage.rename(DIST)
    shutil.rmtree(old, ignore_errors=True)
