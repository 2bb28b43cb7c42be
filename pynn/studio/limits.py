"""How big a network the studio takes, and how it cuts work so that the page never waits.

The worker runs Python in slices and answers the page's messages (Pause, Stop, a drawing to
predict) only between them. So every unit of work it cannot cut (one training step; a piece
of an evaluation) must be short: at most ``STEP_BUDGET_MS``, so that with the slice's own
30 ms the page's message waits well under ~100 ms. One training step cannot be cut, so the
step is what limits the network; evaluations are cut into pieces of ``eval_rows`` rows.

The cost model was measured in Pyodide 0.27.7 (numpy 2.0.2 in WebAssembly, no BLAS) on a
2-core machine, for MLPs from 784-256-128-10 to 784-4096-10 and batch sizes 1 to 512
(``bench/step_cost.py`` prints the measured figures beside this model):

- a training step costs ~1.5–2.5 ns per parameter per example (the products of forward and
  backward) plus ~15 ns per parameter whatever the batch size (Adam's update, the weight
  finiteness check); ``STEP_NS`` takes the slow end of both;
- evaluation costs ~0.6–0.8 ns per parameter per example (``EVAL_NS`` takes 0.8).

Natively (CPython with BLAS) everything is 5–20× faster; the CLI has no limit but memory.

>>> estimate_step_ms(235_146, 64)   # the studio's default network
41.4
>>> eval_rows(235_146)
318
"""

from __future__ import annotations

import math

from pynn.config import TrainingConfig

STEP_BUDGET_MS = 60.0
STEP_NS_PER_PARAM_EXAMPLE = 2.5
STEP_NS_PER_PARAM = 16.0
EVAL_NS_PER_PARAM_EXAMPLE = 0.8


def mlp_params(config: TrainingConfig, input_units: int = 784, n_classes: int = 10) -> int:
    """Parameters (weights and biases) of ``config``'s network, without building it."""
    sizes = (input_units, *config.hidden, n_classes)
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def estimate_step_ms(params: int, batch_size: int) -> float:
    """A training step's cost in the browser, by the model above (milliseconds, 0.1 ms)."""
    ns = params * (STEP_NS_PER_PARAM_EXAMPLE * batch_size + STEP_NS_PER_PARAM)
    return round(ns / 1e6, 1)


def max_batch_size(params: int) -> int:
    """The largest batch whose step fits the budget (0 if not even one example fits)."""
    room = STEP_BUDGET_MS * 1e6 / params - STEP_NS_PER_PARAM
    return max(0, math.floor(room / STEP_NS_PER_PARAM_EXAMPLE))


def eval_rows(params: int) -> int:
    """Rows per piece of an evaluation so that each piece fits the budget (at least 1)."""
    return max(1, math.floor(STEP_BUDGET_MS * 1e6 / (EVAL_NS_PER_PARAM_EXAMPLE * params)))


def size_errors(config: TrainingConfig, params: int | None = None) -> dict[str, str]:
    """Messages for the form fields that make ``config`` too big for the studio, by field
    name (``hidden``, ``batch_size``); empty when it fits. ``params``: the network's
    parameter count if it is not ``config``'s MLP (a loaded or learner's network)."""
    params = mlp_params(config) if params is None else params
    step_ms = estimate_step_ms(params, config.batch_size)
    if step_ms <= STEP_BUDGET_MS:
        return {}
    why = (f"the studio keeps a training step under {STEP_BUDGET_MS:g} ms so that Pause, Stop "
           f"and drawing answer at once")
    largest = max_batch_size(params)
    if largest == 0:
        return {"hidden": f"Too big for the browser: {params:,} parameters make a training step "
                          f"of about {estimate_step_ms(params, 1):g} ms even one example at a "
                          f"time; {why}. Use fewer or smaller hidden layers."}
    return {"hidden": f"Too big at batch size {config.batch_size}: {params:,} parameters make "
                      f"a training step of about {step_ms:g} ms; {why}. Use fewer or smaller "
                      f"hidden layers, or a batch size of at most {largest}.",
            "batch_size": f"At most {largest} for this network ({params:,} parameters): a "
                          f"larger batch makes a training step longer than "
                          f"{STEP_BUDGET_MS:g} ms in the browser."}


def check_size(config: TrainingConfig, params: int | None = None) -> None:
    """``ValueError`` with the first message of ``size_errors`` if ``config`` is too big."""
    errors = size_errors(config, params)
    if errors:
        raise ValueError(next(iter(errors.values())))
