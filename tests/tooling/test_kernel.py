"""The kernel's build (devtools/kernel.py): clang and wasm-ld make a side module whose exports
are all prefixed and whose imports Pyodide provides, as pyodide-build's `pyodide auditwheel`
lists them; modules that break either rule are refused by name; without the tools, or without
the python3.12 pyodide-build runs on, the build ships no kernel and says why."""

import re
import subprocess

import pytest

from devtools import DIST, BuildError, dist, inputs, kernel, pyodide_build, sha256_file
from pynn.wasm_products import KERNEL_FILE

TOOLS = kernel.find_tools()
needs_tools = pytest.mark.skipif(TOOLS is None, reason=f"no clang/wasm-ld: {kernel.HOW_TO_GET_TOOLS}")


@pytest.fixture(scope="module")
def pyodide():
    """pyodide-build's `pyodide` command (its environment made on first use)."""
    command = pyodide_build.command()
    if command is None:
        pytest.skip("no python3.12 for pyodide-build (the build then ships no kernel)")
    return command


def build(tmp_path, source_text):
    """A side module built from the C `source_text` with the kernel's flags; its path."""
    source, obj, out = tmp_path / "other.c", tmp_path / "k.o", tmp_path / "k.wasm"
    source.write_text(source_text)
    subprocess.run([TOOLS[0], *kernel.COMPILE, "-c", str(source), "-o", str(obj)], check=True)
    subprocess.run([TOOLS[1], *kernel.LINK, str(obj), "-o", str(out)], check=True)
    return out


@needs_tools
def test_the_kernel_is_a_side_module_with_prefixed_exports_and_pyodides_imports(tmp_path, pyodide):
    out = tmp_path / "kernels" / "pynn_gemm.wasm"
    detail = kernel.build_kernel(out, TOOLS)
    assert ("exports pynn_gemm_max_pool, pynn_gemm_max_pool_backward, pynn_gemm_relu, pynn_gemm_relu_backward, "
            "pynn_gemm_sgemm, pynn_gemm_sub_scaled, pynn_gemm_work_floats") in detail and "clang" in detail
    assert kernel.is_side_module(out.read_bytes())
    exports, imports = pyodide_build.symbols(pyodide, out)
    assert {(where, name) for where, _, name in imports} <= kernel.ALLOWED_IMPORTS
    assert ("env", "MEMORY", "memory") in imports
    assert ("FUNC", "pynn_gemm_sgemm") in exports
    assert all(name.startswith("pynn_gemm_") or name in kernel.LOADER_EXPORTS for _, name in exports)
    assert out.stat().st_size < 20_000        # no packing buffers shipped as zeros
    assert not list((tmp_path / "kernels").glob("*.o"))


@needs_tools
def test_an_unprefixed_export_is_refused_by_name(tmp_path, pyodide):
    module = build(tmp_path, '__attribute__((visibility("default"))) void sgemm_nn(float *c) { *c = 1; }\n')
    with pytest.raises(BuildError, match="exports sgemm_nn: every symbol must start with pynn_gemm_"):
        kernel.check_module(module, pyodide)


@needs_tools
def test_a_libc_call_is_an_import_pyodide_does_not_provide_and_is_refused(tmp_path, pyodide):
    module = build(tmp_path, 'void *memcpy(void *, const void *, unsigned long);\n'
                             '__attribute__((visibility("default"))) void pynn_gemm_copy(char *a, char *b, int n)'
                             ' { memcpy(a, b, n); }\n')
    with pytest.raises(BuildError, match=r"imports env\.memcpy"):
        kernel.check_module(module, pyodide)


@pytest.mark.parametrize("data", [b"<html>404</html>",
                                  b"\0asm\1\0\0\0",                              # no section at all
                                  b"\0asm\1\0\0\0\0\x0a\x09producers"],       # a custom section, not dylink.0
                         ids=["not webassembly", "empty module", "no dylink.0 first"])
def test_what_is_not_a_side_module_is_refused_before_its_symbols_are_read(tmp_path, data):
    module = tmp_path / "k.wasm"
    module.write_bytes(data)
    with pytest.raises(BuildError, match="k.wasm is not a WebAssembly side module"):
        kernel.check_module(module, pyodide=None)     # refused before pyodide-build is asked


def test_a_symbol_listing_that_cannot_be_read_is_an_error_not_a_pass(monkeypatch, tmp_path):
    module = tmp_path / "k.wasm"
    monkeypatch.setattr(pyodide_build, "run", lambda pyodide, what, verb, path: f"{path}:\n      FUNC\tsgemm nn\n")
    with pytest.raises(BuildError, match=re.escape(r"exports` printed 'FUNC\tsgemm nn', which is not a symbol")):
        pyodide_build.symbols(None, module)


def test_without_python312_the_build_ships_no_kernel_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setattr(pyodide_build, "command", lambda: None)
    detail = kernel.build_kernel(tmp_path / "kernels" / "pynn_gemm.wasm", ("clang", "wasm-ld"))
    assert detail.startswith("NOT BUILT: no python3.12 here for pyodide-build")
    assert not (tmp_path / "kernels").exists()


def test_without_the_tools_the_build_ships_no_kernel_and_says_how(monkeypatch, tmp_path):
    monkeypatch.setattr(kernel, "ensure_tools", lambda: None)
    detail = dist._build_kernel(tmp_path / "kernels" / "pynn_gemm.wasm")
    assert detail.startswith("NOT BUILT") and "apt-get install clang lld" in detail
    assert not (tmp_path / "kernels").exists()


def test_the_tools_are_only_installed_by_root(monkeypatch):
    monkeypatch.setattr(kernel, "find_tools", lambda: None)
    monkeypatch.setattr(kernel.os, "geteuid", lambda: 1000)
    ran = []
    monkeypatch.setattr(kernel.subprocess, "run", lambda *a, **k: ran.append(a))
    assert kernel.ensure_tools() is None and ran == []


def test_the_kernels_source_is_a_build_input():
    assert "kernels" in inputs.INPUT_DIRS and all(source.exists() for source in kernel.SOURCES)


def test_a_built_dist_ships_the_kernel_in_the_service_workers_manifest():
    sw = DIST / "sw.js"
    if not (DIST / KERNEL_FILE).exists() or not sw.exists():
        pytest.skip("dist/ is not built with the kernel")
    manifest = re.search(r"^const MANIFEST = (.*);$", sw.read_text(), re.MULTILINE).group(1)
    assert f'"{KERNEL_FILE}":"{sha256_file(DIST / KERNEL_FILE)}"' in manifest
