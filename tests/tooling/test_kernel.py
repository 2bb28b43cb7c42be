"""The kernel's build (devtools/kernel.py): clang and wasm-ld make a side module whose exports
are all prefixed and whose imports Pyodide provides; modules that break either rule are
refused by name; without the tools the build ships no kernel and says how to get them."""

import re
import subprocess

import pytest

from devtools import DIST, BuildError, dist, inputs, kernel, sha256_file
from pynn.wasm_products import KERNEL_FILE

TOOLS = kernel.find_tools()
needs_tools = pytest.mark.skipif(TOOLS is None, reason=f"no clang/wasm-ld: {kernel.HOW_TO_GET_TOOLS}")


def build(tmp_path, source_text=None):
    """Build the kernel (or a C file of `source_text` with the kernel's flags); its sections."""
    source = kernel.SOURCE
    if source_text is not None:
        source = tmp_path / "other.c"
        source.write_text(source_text)
    obj, out = tmp_path / "k.o", tmp_path / "k.wasm"
    subprocess.run([TOOLS[0], *kernel.COMPILE, "-c", str(source), "-o", str(obj)], check=True)
    subprocess.run([TOOLS[1], *kernel.LINK, str(obj), "-o", str(out)], check=True)
    return out.read_bytes()


@needs_tools
def test_the_kernel_is_a_side_module_with_prefixed_exports_and_pyodides_imports(tmp_path):
    out = tmp_path / "kernels" / "pynn_gemm.wasm"
    detail = kernel.build_kernel(out, TOOLS)
    assert "exports pynn_gemm_sgemm, pynn_gemm_work_floats" in detail and "clang" in detail
    sections = kernel.read_sections(out.read_bytes())
    assert "dylink.0" in sections["custom"]
    assert set(sections["imports"]) <= kernel.ALLOWED_IMPORTS
    assert ("env", "memory") in sections["imports"]
    assert all(name.startswith("pynn_gemm_") or name in kernel.LOADER_EXPORTS for name in sections["exports"])
    assert out.stat().st_size < 20_000        # no packing buffers shipped as zeros
    assert not (tmp_path / "kernels" / "pynn_gemm.o").exists()


@needs_tools
def test_an_unprefixed_export_is_refused_by_name(tmp_path):
    data = build(tmp_path, '__attribute__((visibility("default"))) void sgemm_nn(float *c) { *c = 1; }\n')
    with pytest.raises(BuildError, match="exports sgemm_nn: every symbol must start with pynn_gemm_"):
        kernel.check_module(data)


@needs_tools
def test_a_libc_call_is_an_import_pyodide_does_not_provide_and_is_refused(tmp_path):
    data = build(tmp_path, 'void *memcpy(void *, const void *, unsigned long);\n'
                           '__attribute__((visibility("default"))) void pynn_gemm_copy(char *a, char *b, int n)'
                           ' { memcpy(a, b, n); }\n')
    with pytest.raises(BuildError, match=r"imports env\.memcpy"):
        kernel.check_module(data)


def test_a_file_that_is_not_webassembly_is_refused():
    with pytest.raises(BuildError, match="not a WebAssembly module"):
        kernel.check_module(b"<html>404</html>")


def test_a_module_without_dylink_is_not_a_side_module():
    # the smallest valid module: magic, version, nothing else
    with pytest.raises(BuildError, match="no dylink.0 section"):
        kernel.check_module(b"\0asm\1\0\0\0")


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
    assert "kernels" in inputs.INPUT_DIRS and kernel.SOURCE.exists()


def test_a_built_dist_ships_the_kernel_in_the_service_workers_manifest():
    sw = DIST / "sw.js"
    if not (DIST / KERNEL_FILE).exists() or not sw.exists():
        pytest.skip("dist/ is not built with the kernel")
    manifest = re.search(r"^const MANIFEST = (.*);$", sw.read_text(), re.MULTILINE).group(1)
    assert f'"{KERNEL_FILE}":"{sha256_file(DIST / KERNEL_FILE)}"' in manifest
