"""Build pynn's WebAssembly SIMD kernel (kernels/pynn_gemm.c → dist/kernels/pynn_gemm.wasm).

Debian's clang and lld (apt packages `clang` and `lld`, version 14 here) compile freestanding
C for `wasm32-unknown-emscripten` and link an Emscripten-style side module (a `dylink.0`
section) that Pyodide's dynamic loader opens with `ctypes.CDLL` (pynn/wasm_products.py). No
Emscripten SDK is needed: the kernel uses no libc.

The output is checked before it ships, because a side module shares Pyodide's one namespace of
symbols: every export must be a `pynn_gemm_*` function (or a hook the loader itself calls), and
every import something Pyodide's loader provides (the shared memory, the bases it is placed
at). A kernel exporting `sgemm_nn` crashed Pyodide once OpenBLAS was loaded beside it.

Without clang/lld (and not root to apt-get them) the build ships no kernel and says how to get
it; the page then multiplies with numpy (slower, same results).
"""

import os
import shutil
import subprocess
from pathlib import Path

from devtools import ROOT, BuildError, last_error_line

SOURCE = ROOT / "kernels" / "pynn_gemm.c"
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
    """Compile and link SOURCE into `out`, check it (``check_module``); return a log detail."""
    clang, wasm_ld = tools
    out.parent.mkdir(parents=True, exist_ok=True)
    obj = out.with_suffix(".o")
    for cmd in ([clang, *COMPILE, "-c", str(SOURCE), "-o", str(obj)],
                [wasm_ld, *LINK, str(obj), "-o", str(out)]):
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode:
            raise BuildError(f"building the kernel failed ({Path(cmd[0]).name}): {last_error_line(result.stdout)}")
    obj.unlink()
    exports = check_module(out.read_bytes())
    version = subprocess.run([clang, "--version"], stdout=subprocess.PIPE, text=True).stdout.split("\n")[0]
    return (f"{out.name} ({out.stat().st_size / 1e3:.1f} kB; exports {', '.join(exports)}) "
            f"from {SOURCE.relative_to(ROOT)} by {version.strip()}")


def check_module(data: bytes) -> list[str]:
    """The kernel's exported functions, after checking that it is a side module whose imports
    Pyodide provides and whose exports are all prefixed. Raises BuildError naming the culprit."""
    sections = read_sections(data)
    if "dylink.0" not in sections["custom"]:
        raise BuildError("the kernel has no dylink.0 section: it is not a side module Pyodide can load")
    unknown = sorted(f"{module}.{name}" for module, name in sections["imports"]
                     if (module, name) not in ALLOWED_IMPORTS)
    if unknown:
        raise BuildError(f"the kernel imports {', '.join(unknown)}, which Pyodide's loader does not "
                         "provide (a libc call the compiler made up? see -fno-builtin)")
    unprefixed = sorted(name for name in sections["exports"]
                        if not name.startswith(PREFIX) and name not in LOADER_EXPORTS)
    if unprefixed:
        raise BuildError(f"the kernel exports {', '.join(unprefixed)}: every symbol must start with "
                         f"{PREFIX} (they share one namespace with everything Pyodide loads)")
    return sorted(name for name in sections["exports"] if name.startswith(PREFIX))


def read_sections(data: bytes) -> dict:
    """A WebAssembly module's custom section names, imports (module, name) and export names."""
    if data[:8] != b"\0asm\1\0\0\0":
        raise BuildError("the kernel is not a WebAssembly module (version 1)")
    found = {"custom": [], "imports": [], "exports": []}
    at = 8
    while at < len(data):
        section, at = data[at], at + 1
        size, at = _leb(data, at)
        body, at = data[at:at + size], at + size
        if section == 0:
            found["custom"].append(_name(body, 0)[0])
        elif section == 2:
            found["imports"] = _imports(body)
        elif section == 7:
            count, i = _leb(body, 0)
            for _ in range(count):
                name, i = _name(body, i)
                _, i = _leb(body, i + 1)            # kind byte, then the index
                found["exports"].append(name)
    return found


def _imports(body: bytes) -> list[tuple[str, str]]:
    count, i = _leb(body, 0)
    imports = []
    for _ in range(count):
        module, i = _name(body, i)
        name, i = _name(body, i)
        kind, i = body[i], i + 1
        if kind == 0:                               # function: a type index
            _, i = _leb(body, i)
        elif kind == 1:                             # table: element type, limits
            i = _limits(body, i + 1)
        elif kind == 2:                             # memory: limits
            i = _limits(body, i)
        else:                                       # global: value type, mutability
            i += 2
        imports.append((module, name))
    return imports


def _limits(body: bytes, i: int) -> int:
    flags, i = body[i], i + 1
    _, i = _leb(body, i)
    if flags & 1:
        _, i = _leb(body, i)
    return i


def _name(body: bytes, i: int) -> tuple[str, int]:
    length, i = _leb(body, i)
    return body[i:i + length].decode(), i + length


def _leb(data: bytes, i: int) -> tuple[int, int]:
    """An unsigned LEB128 number at data[i]; returns (value, the index after it)."""
    value = shift = 0
    while True:
        byte, i = data[i], i + 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i
