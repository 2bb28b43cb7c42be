"""How big a network the studio takes, and how it cuts work so that the page never waits.

The worker runs Python in slices (``SLICE_MS`` of training, ``PIECE_MS`` of a report) and
answers the page's messages (Pause, Stop, a drawing to predict) only between them; it learns
both budgets from the ``defaults`` answer (``limits``). So every unit of work it cannot cut
(one training step; a piece of an evaluation) must be short: at most ``STEP_BUDGET_MS``, so
that with a slice's own time the page's message waits well under ~100 ms. One training step
cannot be cut, so the step is what limits the network; evaluations are cut into pieces of
``eval_rows`` rows.

The cost model was measured in Pyodide 0.27.7 on a 2-core machine, for MLPs from
784-256-128-10 to 784-4096-10, convnets from the TF.js codelab's (conv8x5 pool2 conv16x5
pool2) to twice its filters, and batch sizes 1 to 512 (``bench/step_cost.py`` prints the
measured figures beside it). It counts the multiply-adds of one example (a Dense layer's
weights; a convolution's weights times its output pixels), and its figures depend on what
multiplies the matrices (``pynn.ops.products()``), so there are two (``CostModel``):

- ``NUMPY``, numpy's own products (no BLAS in WebAssembly; browsers without WebAssembly
  SIMD, or a page without the kernel): a training step costs ~1.5–2.7 ns per multiply-add
  per example (forward and backward) plus ~15 ns per parameter whatever the batch size
  (Adam's update, the weight finiteness check); evaluation ~0.6–1.15 ns per multiply-add;
- ``KERNEL``, pynn's WebAssembly SIMD kernel (``pynn.wasm_products``): 0.4 ns per Dense
  multiply-add and 2 ns per convolution's (whose other work stays numpy's), the same 16 ns
  per parameter; evaluation 0.15 and 1.2 ns. The default network then trains at batch sizes
  up to 598 (numpy: 88), 784-2048-10 up to 52 (numpy: 7), the CNN preset up to 28 (numpy: 16).
Each takes the slow end of what was measured.

Natively (CPython with BLAS) everything is 5–20× faster; the CLI has no limit but memory, and
a natively run ``Studio`` (in tests) uses ``NUMPY``.

>>> estimate_step_ms(config_cost(TrainingConfig()), 64, NUMPY)   # the default network
44.3
>>> eval_rows(config_cost(TrainingConfig()), NUMPY)
212
>>> estimate_step_ms(config_cost(TrainingConfig()), 64, KERNEL), max_batch_size(config_cost(TrainingConfig()), KERNEL)
(9.8, 598)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator
from typing import NamedTuple

import numpy as np

from pynn import ops, wasm_products
from pynn.arch import arch_shapes, conv_costs, parse_arch
from pynn.config import TrainingConfig
from pynn.mnist import INPUT_UNITS, N_CLASSES

STEP_BUDGET_MS = 60.0
SLICE_MS = 30.0          # Python time per training slice; the page's messages wait at most this
PIECE_MS = 20.0          # Python time per piece of a report, between the page's messages
MAX_CODE_CHARS = 200_000   # characters of a learner's file: the lab's checks, uploads, use_lab_layers


def work_until(steps: Generator, deadline: float,
               clock: Callable[[], float] = time.perf_counter) -> tuple[bool, object]:
    """Advance ``steps`` (a computation in pieces, a generator) until it finishes, answering
    ``(True, what it returns)``, or until ``clock()`` reaches ``deadline`` after a piece,
    answering ``(False, None)``. At least one piece runs."""
    try:
        while True:
            next(steps)
            if clock() >= deadline:
                return False, None
    except StopIteration as done:
        return True, done.value


class CostModel(NamedTuple):
    """Nanoseconds in the browser: a training step's per multiply-add per example (of Dense
    layers, of convolutions) and per parameter; an evaluation's per multiply-add per example."""

    step_ns_per_mac: float
    step_ns_per_conv_mac: float
    step_ns_per_param: float
    eval_ns_per_mac: float
    eval_ns_per_conv_mac: float

    def step_ns(self, cost: Cost) -> float:
        """A training step's nanoseconds per example (the per-parameter part aside)."""
        dense = cost.macs - cost.conv_macs
        return self.step_ns_per_mac * dense + self.step_ns_per_conv_mac * cost.conv_macs

    def eval_ns(self, cost: Cost) -> float:
        """An evaluation's nanoseconds per example."""
        dense = cost.macs - cost.conv_macs
        return self.eval_ns_per_mac * dense + self.eval_ns_per_conv_mac * cost.conv_macs


NUMPY = CostModel(step_ns_per_mac=2.7, step_ns_per_conv_mac=2.7, step_ns_per_param=16.0,
                  eval_ns_per_mac=1.2, eval_ns_per_conv_mac=1.2)
# With the kernel a Dense layer's products are ~10x faster, a convolution's work only ~2x
# (cutting the images into columns, pooling and the activations on whole feature maps stay
# numpy's): measured 0.1-0.38 ns per Dense multiply-add, 0.5-1.8 per convolution's (the
# slowest, conv32x3 on 26x26 maps), ~10 ns per parameter on a quiet machine; 16 ns is the
# slow day's figure, kept from NUMPY.
KERNEL = CostModel(step_ns_per_mac=0.4, step_ns_per_conv_mac=2.0, step_ns_per_param=16.0,
                   eval_ns_per_mac=0.15, eval_ns_per_conv_mac=1.2)


def cost_model() -> CostModel:
    """The model of the products in use: ``KERNEL`` when pynn's kernel is registered."""
    return KERNEL if ops.products() == wasm_products.LABEL else NUMPY


class Cost(NamedTuple):
    """What a network costs: ``params`` (weights and biases) and ``macs`` (multiply-adds
    of one example's forward pass), ``conv_macs`` of them in convolutions."""

    params: int
    macs: int
    conv_macs: int = 0


def config_cost(config: TrainingConfig, input_units: int = INPUT_UNITS, n_classes: int = N_CLASSES) -> Cost:
    """The ``Cost`` of ``config``'s network, without building it."""
    layers = parse_arch(config.arch)
    params, conv_macs = conv_costs(layers)
    flat = math.prod(arch_shapes(layers)[-1]) if layers else input_units
    sizes = (flat, *config.hidden, n_classes)
    params += sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    macs = conv_macs + sum(a * b for a, b in zip(sizes, sizes[1:]))
    return Cost(params, macs, conv_macs)


def network_cost(network) -> Cost:
    """The ``Cost`` of a built network (a loaded model, a learner's layers): every weight
    array ``W`` counts once per output pixel (1 for a Dense layer)."""
    macs = conv_macs = 0
    shape = network.input_shape
    for layer in network.layers:
        shape = layer.output_shape(shape if shape is not None else layer.input_shape)
        weights = layer.params.get("W")
        if weights is not None:
            pixels = math.prod(shape[1:]) if shape is not None and len(shape) == 3 else 1
            macs += int(np.size(weights)) * pixels
            conv_macs += int(np.size(weights)) * pixels if pixels > 1 else 0
    return Cost(network.count_params(), macs, conv_macs)


def estimate_step_ms(cost: Cost, batch_size: int, model: CostModel | None = None) -> float:
    """A training step's cost in the browser (milliseconds, 0.1 ms), by ``model`` (default:
    ``cost_model()``, the products in use)."""
    model = model or cost_model()
    ns = model.step_ns(cost) * batch_size + model.step_ns_per_param * cost.params
    return round(ns / 1e6, 1)


def max_batch_size(cost: Cost, model: CostModel | None = None) -> int:
    """The largest batch whose step fits the budget (0 if not even one example fits)."""
    model = model or cost_model()
    room = STEP_BUDGET_MS * 1e6 - model.step_ns_per_param * cost.params
    return max(0, math.floor(room / max(model.step_ns(cost), 1e-9)))


def eval_rows(cost: Cost, model: CostModel | None = None) -> int:
    """Rows per piece of an evaluation so that each piece fits the budget (at least 1)."""
    model = model or cost_model()
    return max(1, math.floor(STEP_BUDGET_MS * 1e6 / max(model.eval_ns(cost), 1e-9)))


# The demo: the first Train after the page loads starts a fresh network and trains it for as
# many epochs as fit in about DEMO_S seconds (at least one, at most the recipe's own). An
# epoch in the page takes EPOCH_OVERHEAD times the cost model's steps: shifting the digits,
# the validation pass, measuring and the worker's slices (measured in Chromium on the 2-core
# machine: the default MLP's epoch 2.0-2.8 s with the kernel, its steps' estimate 1.2 s).
DEMO_S = 30.0
EPOCH_OVERHEAD = 2.0


def demo_epochs(config: TrainingConfig, train_rows: int, model: CostModel | None = None) -> int:
    """Epochs of ``config``'s network on ``train_rows`` digits that fit in about ``DEMO_S``
    seconds in the browser (the demo run: at least 1, at most ``config.epochs``).

    >>> demo_epochs(TrainingConfig(), 8000, KERNEL), demo_epochs(TrainingConfig(), 8000, NUMPY)
    (12, 2)
    """
    steps = math.ceil(train_rows / config.batch_size)
    epoch_s = steps * estimate_step_ms(config_cost(config), config.batch_size, model) / 1000 * EPOCH_OVERHEAD
    return max(1, min(config.epochs, math.floor(DEMO_S / max(epoch_s, 1e-9))))


def size_errors(config: TrainingConfig, cost: Cost | None = None) -> dict[str, str]:
    """Messages for the form fields that make ``config`` too big for the studio, by field
    name (``hidden``, ``batch_size``); empty when it fits. ``cost``: the network's if it is
    not ``config``'s own (a loaded or learner's network)."""
    cost = config_cost(config) if cost is None else cost
    step_ms = estimate_step_ms(cost, config.batch_size)
    if step_ms <= STEP_BUDGET_MS:
        return {}
    why = (f"the studio keeps a training step under {STEP_BUDGET_MS:g} ms so that Pause, Stop "
           f"and drawing answer at once")
    size = f"{cost.params:,} parameters and {cost.macs:,} multiply-adds per example"
    largest = max_batch_size(cost)
    field = "arch" if config.arch else "hidden"
    fewer = "fewer or smaller filters or layers" if config.arch else "fewer or smaller hidden layers"
    if largest == 0:
        return {field: f"Too big for the browser: {size} make a training step of about "
                       f"{estimate_step_ms(cost, 1):g} ms even one example at a time; {why}. "
                       f"Use {fewer}."}
    return {field: f"Too big at batch size {config.batch_size}: {size} make a training step "
                   f"of about {step_ms:g} ms; {why}. Use {fewer}, or a batch size of at most "
                   f"{largest}.",
            "batch_size": f"At most {largest} for this network ({size}): a larger batch makes "
                          f"a training step longer than {STEP_BUDGET_MS:g} ms in the browser."}


# Learner layers (the lab's "Train with my layers") are often slower than pynn's, which the
# cost model cannot know: a step of their network is timed beside a step of pynn's (ratios of
# 1.7-3.4 for a learner's Dense in Pyodide: it also computes the gradient for the data and
# multiplies with numpy's @; ~5-6 for a Conv2D written with loops; pynn.studio.learner_speed
# says which of these apply). They get a budget of their own: a step may take up to
# LEARNER_STEP_BUDGET_MS, so the page still answers within a fifth of a second.
LEARNER_STEP_BUDGET_MS = 200.0


MAX_REFERENCE_STEPS = 30     # reference steps timed in one window (see step_slowdown)


def step_slowdown(network, reference, batch_size: int, repeats: int = 5) -> float:
    """How many times longer a training step of ``network`` takes than a step of
    ``reference`` (the same architecture with pynn's layers), timed here on copies (the
    originals are untouched): the median of ``repeats`` ratios, each of a step of ``network``
    and, right after it, as many steps of ``reference`` as last as long. On a busy machine two
    windows that long and that close meet about the same load, and the median leaves out a
    pair that did not (best-of-3 single steps measured 6.5x for 1.1x while other processes
    held the cores: a short step finds a quiet moment a long one does not). Garbage
    collection is off meanwhile, as in timeit: collecting the caller's garbage is no step's cost."""
    import copy
    import gc

    rng = np.random.default_rng(0)
    x = rng.random((batch_size, *network.input_shape), dtype=np.float32)
    y = rng.integers(0, network.n_classes, batch_size)

    def step_time(net, steps: int) -> float:
        twin = copy.deepcopy(net)
        start = time.perf_counter()
        for _ in range(steps):
            twin.train_step(x, y)
        return (time.perf_counter() - start) / steps

    collecting = gc.isenabled()
    gc.disable()
    try:
        guess = step_time(network, 1) / max(step_time(reference, 1), 1e-9)     # also warms up
        steps = max(1, min(MAX_REFERENCE_STEPS, round(guess)))
        ratios = sorted(step_time(network, 1) / max(step_time(reference, steps), 1e-9) for _ in range(repeats))
    finally:
        if collecting:
            gc.enable()
    return ratios[len(ratios) // 2]


def check_learner_speed(config: TrainingConfig, network, reference) -> float:
    """How many times longer a step of ``network`` (with the learner's layers) takes than
    one of ``reference`` (``step_slowdown``); ``ValueError`` naming the batch size that fits
    if a step would exceed ``LEARNER_STEP_BUDGET_MS``. ``pynn.studio.learner_speed`` words
    the figure."""
    slowdown = step_slowdown(network, reference, config.batch_size)
    step_ms = estimate_step_ms(network_cost(reference), config.batch_size) * slowdown
    if step_ms <= LEARNER_STEP_BUDGET_MS:
        return slowdown
    largest = min(config.batch_size - 1, math.floor(config.batch_size * LEARNER_STEP_BUDGET_MS / step_ms))
    advice = (f"use a batch size of at most {largest}, or make your layers faster" if largest
              else "make your layers faster")
    raise ValueError(f"Your layers make a training step {slowdown:.1f}× as long as pynn's: about "
                     f"{step_ms:.0f} ms at batch size {config.batch_size}; the studio takes layers "
                     f"of yours while a step stays under {LEARNER_STEP_BUDGET_MS:g} ms, so that "
                     f"Pause, Stop and drawing still answer within a fifth of a second. To train "
                     f"with them, {advice} (e.g. whole-array numpy instead of Python loops).")


def check_size(config: TrainingConfig, cost: Cost | None = None) -> None:
    """``ValueError`` with the first message of ``size_errors`` if ``config`` is too big."""
    errors = size_errors(config, cost)
    if errors:
        raise ValueError(next(iter(errors.values())))
