"""Build pynn's WebAssembly SIMD kernel (kernels/*.c → dist/kernels/pynn_gemm.wasm): the
products (kernels/pynn_gemm.c) and the layers' elementwise work (kernels/pynn_gemm_layers.c).

Debian's clang and lld (apt packages `clang` and `lld`, version 14 here) compile freestanding
C for `wasm32-unknown-emscripten` and link an Emscripten-style side module (a `dylink.0`
section) that Pyodide's dynamic loader opens with `ctypes.CDLL` (pynn/wasm_products.py). No
Emscripten SDK is needed: the kernel uses no libc.

The output is checked before it ships, because a side module shares Pyodide's one namespace of
symbols: every export must be a `pynn_gemm_*` function (or a hook the loader itself calls), and
every import something Pyodide's loader provides (the shared memory, the bases it is placed
at). A kernel exporting `sgemm_nn` crashed Pyodide once OpenBLAS was loaded beside it. The
symbols are listed by pyodide-build's `pyodide auditwheel exports` and `imports`
(devtools/pyodide_build.py).

Without clang/lld (and not root to apt-get them), or without the python3.12 pyodide-build runs
on, the build ships no kernel and says why; the page then multiplies with numpy (slower, same
results).
"""

import os
import shutil
import subprocess
from pathlib import Path

from devtools import ROOT, BuildError, last_error_line, pyodide_build

SOURCES = (ROOT / "kernels" / "pynn_gemm.c", ROOT / "kernels" / "pynn_gemm_layers.c")
PREFIX = "pynn_gemm_"
APT_PACKAGES = ("clang", "lld")
COMPILE = ["--target=wasm32-unknown-emscripten", "-O3", "-msimd128", "-fPIC", "-ffreestanding",
           "-fno-builtin",           # no memset/memcpy calls made up by the optimiser: no libc here
           "-nostdlibinc", "-nostdlib", "-fvisibility=hidden", "-Wall", "-Werror"]
LINK = ["--experimental-pic", "-shared", "--strip-debug"]
# What Pyodide's loader (Emscripten's dylink) gives a side module, and the hooks it calls by name.
ALLOWED_IMPORTS = {("env", "memory"), ("env", "__memory_base"), ("env", "__table_base"),
                   ("env", "__stack_pointer"), ("env", "__indirect_function_table")}
LOADER_EXPORTS = {"__wasm_call_ctors", "__wasm_apply_data_relocs"}
WASM_HEADER = b"\0asm\1\0\0\0"
HOW_TO_GET_TOOLS = "install Debian's clang and lld (`sudo apt-get install clang lld`) and build again"


def find_tools() -> tuple[str, str] | None:
    """(clang, wasm-ld) paths, or None."""
    clang = shutil.which("clang") or shutil.which("clang-14")
    wasm_ld = shutil.which("wasm-ld") or shutil.which("wasm-ld-14")
    return (clang, wasm_ld) if clang and wasm_ld else None


def ensure_tools() -> tuple[str, str] | None:
    """The tools, installed with apt-get when missing and we are root (as run_tests.py does
    for Chromium); None when they are missing and cannot be installed here."""
    tools = find_tools()
    apt = shutil.which("apt-get")
    if tools or apt is None or os.geteuid() != 0:
        return tools
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES]):
        result = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode:
            raise BuildError(f"`apt-get {' '.join(cmd[1:])}` failed: {last_error_line(result.stdout)}")
    return find_tools()


def build_kernel(out: Path, tools: tuple[str, str]) -> str:
    """Compile SOURCES and link them into `out`, check it (``check_module``); return a log detail.
    Without pyodide-build to check it with, nothing is written and the detail says so."""
    pyodide = pyodide_build.command()
    if pyodide is None:
        return ("NOT BUILT: no python3.12 here for pyodide-build, which checks its symbols (without it the "
                "page multiplies with numpy: same results, ~3x slower training)")
    clang, wasm_ld = tools
    out.parent.mkdir(parents=True, exist_ok=True)
    objects = [out.with_name(f"{source.stem}.o") for source in SOURCES]
    commands = [[clang, *COMPILE, "-c", str(source), "-o", str(obj)] for source, obj in zip(SOURCES, objects)]
    for cmd in [*commands, [wasm_ld, *LINK, *map(str, objects), "-o", str(out)]]:
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode:
            raise BuildError(f"building the kernel failed ({Path(cmd[0]).name}): {last_error_line(result.stdout)}")
    for obj in objects:
        obj.unlink()
    exports = check_module(out, pyodide)
    version = subprocess.run([clang, "--version"], stdout=subprocess.PIPE, text=True).stdout.split("\n")[0]
    return (f"{out.name} ({out.stat().st_size / 1e3:.1f} kB; exports {', '.join(exports)}; symbols checked "
            f"by pyodide auditwheel) from {', '.join(str(s.relative_to(ROOT)) for s in SOURCES)} by {version.strip()}")


def check_module(module: Path, pyodide: Path) -> list[str]:
    """The kernel's exported functions, after checking that `module` is a side module whose
    imports Pyodide provides and whose exports are all prefixed. Raises BuildError naming the
    culprit."""
    if not is_side_module(module.read_bytes()):
        raise BuildError(f"{module.name} is not a WebAssembly side module (version 1, its first section "
                         "dylink.0): Pyodide's loader cannot open it")
    exports, imports = pyodide_build.symbols(pyodide, module)
    unknown = sorted(f"{where}.{name}" for where, _, name in imports if (where, name) not in ALLOWED_IMPORTS)
    if unknown:
        raise BuildError(f"the kernel imports {', '.join(unknown)}, which Pyodide's loader does not "
                         "provide (a libc call the compiler made up? see -fno-builtin)")
    unprefixed = sorted(name for _, name in exports if not name.startswith(PREFIX) and name not in LOADER_EXPORTS)
    if unprefixed:
        raise BuildError(f"the kernel exports {', '.join(unprefixed)}: every symbol must start with "
                         f"{PREFIX} (they share one namespace with everything Pyodide loads)")
    return sorted(name for _, name in exports if name.startswith(PREFIX))


def is_side_module(data: bytes) -> bool:
    """Whether `data` is a WebAssembly module whose first section is the custom section
    "dylink.0", which Emscripten's loader (Pyodide's) reads first to place a side module."""
    if data[:8] != WASM_HEADER or len(data) < 10 or data[8] != 0:
        return False
    at = 9
    while at < len(data) and data[at] & 0x80:      # the section's size, LEB128: skipped
        at += 1
    return data[at + 1:at + 10] == b"\x08dylink.0"
