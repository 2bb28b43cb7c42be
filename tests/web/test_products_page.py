"""The page's matrix products (pynn/wasm_products.py, docs/PYODIDE.md): both workers fetch
pynn's WebAssembly SIMD kernel, check it against numpy and multiply with it, and say so in one
console.info line each; the form's size limit follows (a network that only fits with the
kernel is taken with it and refused without). When the kernel file cannot be had (here a 404
made by request routing) the page says why, keeps numpy's products and still trains."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import pynn
from pynn.studio.limits import KERNEL, NUMPY, config_cost, max_batch_size
from studio_page import READY_TIMEOUT_MS, StudioPage

KERNEL_FILE = "**/kernels/pynn_gemm.wasm"
PREFIX = "pyodide-start: products: "
WITH_KERNEL = "WebAssembly SIMD kernel (kernels/pynn_gemm.wasm, checked against numpy)"
WITHOUT = "numpy (einsum, no BLAS) (no kernel: kernels/pynn_gemm.wasm: HTTP 404)"
# A network that fits the step budget at batch 32 with the kernel and not without it.
WIDE = pynn.TrainingConfig(hidden=(2048,))


def product_lines(studio: StudioPage) -> list[str]:
    return [text[len(PREFIX):] for kind, text in studio.console if kind == "info" and text.startswith(PREFIX)]


def test_the_limits_differ_by_the_products_in_use():
    cost = config_cost(WIDE)
    assert max_batch_size(cost, NUMPY) < 32 <= max_batch_size(cost, KERNEL)


def test_both_workers_multiply_with_the_kernel_and_the_form_takes_what_it_makes_fit(open_page):
    studio = open_page()
    assert product_lines(studio) == [WITH_KERNEL]
    studio.configure(hidden="2048", batch_size="32")          # refused with numpy's products
    studio.set_field("batch_size", str(max_batch_size(config_cost(WIDE), KERNEL) + 1))
    expect(studio.by("error-batch_size")).to_contain_text(f"At most {max_batch_size(config_cost(WIDE), KERNEL)} ")
    studio.click("lab-open")
    expect(studio.by("lab-check")).to_be_enabled(timeout=READY_TIMEOUT_MS)
    assert product_lines(studio) == [WITH_KERNEL, WITH_KERNEL]


def test_without_the_kernel_file_the_page_says_why_keeps_numpy_and_still_trains(open_page):
    studio = open_page(routes={KERNEL_FILE: lambda route: route.fulfill(status=404, body="not here")})
    assert product_lines(studio) == [WITHOUT]
    studio.set_field("hidden", "2048")
    studio.set_field("batch_size", "32")
    expect(studio.by("error-batch_size")).to_contain_text(f"At most {max_batch_size(config_cost(WIDE), NUMPY)} ")
    studio.small_network(batch_size="64", epochs="1")
    studio.click("train")
    expect(studio.by("status")).to_contain_text("Finished", timeout=120_000)
    studio.wait_run_state("idle")
    assert studio.epochs() == 1 and studio.percent("val-accuracy") > 70
    assert studio.draw_digit("7") == "7"
