"""The seam between the studio's web worker and pynn: plain dicts, lists, numbers and bytes only.

The worker (``web/js/worker/worker.js``) keeps one ``Studio`` and sends it requests::

    studio.handle({"type": "predict", "pixels": <uint8 bytes>, "width": 280, "height": 280})
    → {"ok": True, "empty": False, "probs": [...10 floats], "digit": 7, "input": <784 bytes>}

The requests are the methods marked ``@request`` below (``pynn.studio.protocol``); each
method's parameters are its arguments, checked by name (``ARGUMENTS``) before anything
runs, and its docstring is the reference. Every answer is ``{"ok": True, ...}`` or ``{"ok":
False, "error": "<one line>"}``; ``handle`` never raises, whatever it is given, and a request
that fails changes nothing.

A request that needs a file of the site (the bundled digits, which the browser's pynn ships
without to start faster; a pretrained model) is answered ``{"ok": False, "fetch": {file,
what, install}, "error": ...}`` having changed nothing; the worker fetches the file and asks
again (``docs/PROTOCOL.md``). For the digits the answer also says ``"missing": "digits"``.

Training runs in Python: the answers of the requests marked ``run=True`` (the run's commands,
``train_slice``, and every request that can end a run: reason ``replaced``) always carry

- ``state``: the run's state now: ``running``, ``paused`` or ``idle``;
- ``events``: messages for the page, in order (``pynn.studio.run.EVENTS`` declares them).

Any other answer carries them too when it has events. A command that does not apply
(``pause`` while paused, ``stop`` when idle, ``train`` during a run) is answered ``ok`` with
no events: it changes nothing. The logic lives in ``pynn.studio``.
"""

from __future__ import annotations

import numpy as np

from pynn import ops
from pynn.checks import check_int, check_number, is_int, is_number
from pynn.config import defaults as config_defaults
from pynn.data import DigitsMissing, install_digits
from pynn.studio.files import DIGITS, PRETRAINED, NeedsFile
from pynn.studio.limits import MAX_CODE_CHARS, PIECE_MS, SLICE_MS
from pynn.studio.protocol import check_request, request, requests_of
from pynn.studio.protocol import short as _short
from pynn.studio.session import Session

MAX_SIDE = 8192          # drawing width/height in pixels
MAX_BUDGET_MS = 10_000   # one train_slice at most
MAX_NAME = 200           # characters of a file name kept for messages
MAX_ERROR = 400          # characters of an error message
MAX_LAB_LAYERS = 4       # lab exercises whose layers one request may use


# -- argument checks (by argument name; each returns the value to use) -----------------------
FLAT = (str, int, float, bool, type(None))   # what a setting's value may be (or a list of)


def _settings(name, value) -> dict:
    """A dict of settings whose values are plain (a form's strings, numbers, or a list of
    them for ``hidden``); ``TrainingConfig`` checks the names and values."""
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict of settings (name → value), got {_short(value)}")
    for key, item in value.items():
        items = item if isinstance(item, (list, tuple)) else [item]
        if not all(isinstance(x, FLAT) for x in items):
            raise TypeError(f"{name}[{_short(key)}] must be a number, a string or a list of "
                            f"them, got {_short(item)}")
    return value


def _binary(name, value) -> bytes:
    """bytes from bytes-like values, including a Pyodide JsProxy of a typed array
    (``to_bytes`` copies it once; ``to_py`` would copy it twice: 110 MB CSVs matter)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if hasattr(value, "to_bytes") and not isinstance(value, int):   # int.to_bytes is no buffer
        try:
            data = value.to_bytes()
        except Exception:  # noqa: BLE001 -- not a typed array after all
            data = None
        if isinstance(data, bytes):
            return data
    raise TypeError(f"{name} must be bytes (a Uint8Array), got {type(value).__name__} {_short(value)}")


def _side(name, value) -> int:
    if not is_int(value):
        raise TypeError(f"{name} must be a whole number from 1 to {MAX_SIDE}, got {_short(value)}")
    return check_int(name, value, low=1, high=MAX_SIDE)


def _name(name, value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {_short(value)}")
    return value if len(value) <= MAX_NAME else value[:MAX_NAME - 1] + "…"


def _budget(name, value) -> float:
    if not is_number(value):
        raise TypeError(f"{name} must be a number of milliseconds in (0, {MAX_BUDGET_MS}], "
                        f"got {_short(value)}")
    return check_number(name, value, low=0, high=MAX_BUDGET_MS, low_open=True)


def _lab_layers(name, value) -> list[dict]:
    """``[{"exercise": "relu", "code": "..."}, ...]``: the learner's code per lab exercise."""
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_LAB_LAYERS:
        raise TypeError(f"{name} must be a list of 1 to {MAX_LAB_LAYERS} {{exercise, code}} "
                        f"dicts, got {_short(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"exercise", "code"}:
            raise TypeError(f"{name}[{i}] must be a dict with exactly 'exercise' and 'code', got {_short(item)}")
        _name(f"{name}[{i}].exercise", item["exercise"])
        if not isinstance(item["code"], str) or len(item["code"]) > MAX_CODE_CHARS:
            raise TypeError(f"{name}[{i}].code must be a string of at most {MAX_CODE_CHARS:,} characters")
    return list(value)


def _pretrained(name, value) -> str:
    if not isinstance(value, str) or value not in PRETRAINED:
        raise ValueError(f"{name} must be one of {', '.join(PRETRAINED)}, got {_short(value)}")
    return value


ARGUMENTS = {"config": _settings, "layers": _lab_layers, "pixels": _binary, "data": _binary, "width": _side,
             "height": _side, "name": _name, "budget_ms": _budget, "which": _pretrained}


def _plain(value):
    """Answers as plain values: uint8 arrays → bytes, other arrays → lists, numpy scalars →
    Python numbers, tuples → lists."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.tobytes() if value.dtype == np.uint8 else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _one_line(error) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= MAX_ERROR else text[:MAX_ERROR - 1] + "…"


class Studio:
    """One studio session behind the worker: ``handle(request) → answer``.

    ``REQUESTS``: the requests, by name (the methods marked ``@request``, in this order)."""

    REQUESTS: dict = {}   # filled from the @request marks below the class

    def __init__(self):
        self.session = Session()

    # read-only views for Python callers and tests
    config = property(lambda self: self.session.config)
    network = property(lambda self: self.session.network)
    data = property(lambda self: self.session.data)
    run = property(lambda self: self.session.run)

    # -- dispatch ---------------------------------------------------------------------------
    def handle(self, request) -> dict:
        """Check ``request``, run it, answer with plain values; never raises."""
        try:
            kind, args = check_request(self.REQUESTS, ARGUMENTS, request)
            answer = getattr(self, kind)(**args)
            events = self.session.take_events()
            if self.REQUESTS[kind].run or events:
                answer = {**answer, "state": self.session.run_state, "events": events}
            return {"ok": True, **_plain(answer)}
        except (ValueError, TypeError) as error:
            return {"ok": False, "error": _one_line(error)}
        except DigitsMissing as error:   # the worker fetches them, installs them, asks again
            fetch = NeedsFile(DIGITS, install="install_digits").answer()
            return {"ok": False, "error": _one_line(error), "missing": "digits", "fetch": fetch}
        except NeedsFile as needed:      # the worker fetches the file and asks again
            return {"ok": False, "error": _one_line(needed), "fetch": needed.answer()}
        except MemoryError:
            return {"ok": False, "error": "out of memory: try a smaller file or network (nothing changed)"}
        except Exception as error:  # noqa: BLE001 -- a bug: say so, and keep serving
            return {"ok": False, "error": _one_line(f"internal error ({type(error).__name__}: {error})")}
        except BaseException as error:  # noqa: BLE001 -- SystemExit & co. from a learner's layer
            return {"ok": False, "error": _one_line(f"{type(error).__name__} was raised while answering "
                                                    f"{_short(request.get('type') if isinstance(request, dict) else request)}: "
                                                    f"the studio goes on")}

    # -- settings ---------------------------------------------------------------------------
    @request
    def defaults(self) -> dict:
        """The settings table and what the page and the worker need to know from pynn.

        ``config``: the default recipe; ``current``: the current settings; ``fields``: the
        settings table the form is built from (``pynn.config.FIELDS``: name, kind, label,
        help, when it ``applies`` (on_reset / live / next_run), low/high, choices);
        ``presets``; ``limits``: the worker's budgets, ``slice_ms`` (Python time per training
        slice) and ``piece_ms`` (per piece of a report), from ``pynn.studio.limits``;
        ``pretrained``: the pretrained models by key (``which`` of ``load_pretrained``), each
        ``{file, what}`` (``pynn.studio.files``); ``products``: what multiplies the matrices
        (``pynn.ops.products()``: pynn's WebAssembly SIMD kernel, or numpy), which the size
        limit depends on."""
        return {**config_defaults(), "current": self.session.config.to_dict(),
                "products": ops.products(),
                "limits": {"slice_ms": SLICE_MS, "piece_ms": PIECE_MS},
                "pretrained": {key: {"file": model.file, "what": model.what}
                               for key, model in PRETRAINED.items()}}

    @request
    def check_config(self, config) -> dict:
        """Validate form values (strings are fine) against the current settings, applying
        nothing: ``{valid: False, errors: {field: message}}`` (every bad field at once) or
        ``{valid: True, config: <normalised>, needs_reset: <architecture or seed changed>}``."""
        return self.session.check(config)

    @request
    def set_config(self, config) -> dict:
        """Change the given settings, and only those: live ones (optimizer, lr, momentum,
        weight_decay) at once, also mid-run; batch_size/epochs/shift from the next run.
        Refused (naming them) if any of them needs a Reset. Answers ``config`` and ``model``."""
        self.session.apply(config)
        return {"config": self.session.config.to_dict(), "model": self.session.model_info()}

    @request(run=True)
    def reset(self, config=None) -> dict:
        """A freshly initialised network from the current settings with ``config``'s changed
        (ends any run: ``replaced``). Answers ``model`` and ``config``."""
        self.session.reset(config)
        return {"model": self.session.model_info(), "config": self.session.config.to_dict()}

    @request
    def info(self) -> dict:
        """The current ``config``, ``model`` and ``data`` (what the page shows at start)."""
        s = self.session
        return {"config": s.config.to_dict(), "model": s.model_info(), "data": s.data_info()}

    # -- models -----------------------------------------------------------------------------
    @request(run=True)
    def load_model(self, data, name="model") -> dict:
        """Use the network in a pynn ``.npz`` file (``data``: its bytes; ``name`` for
        messages). The settings follow the file's; ``model.epochs_done`` is the file's count.
        Ends any run (``replaced``). Answers ``model`` and ``config``."""
        self.session.load_model(data, name)
        return {"model": self.session.model_info(), "config": self.session.config.to_dict()}

    @request(run=True)
    def load_pretrained(self, which=None, data=None) -> dict:
        """Use a pretrained model of the site (``which``: a key of ``defaults``' ``pretrained``;
        None: the one the studio starts with, which reads drawings until the first Train
        starts a fresh network: ``model.starter``), as ``load_model``. Without ``data`` (the
        bytes of its file) the answer is ``fetch``: the worker fetches the file and asks again."""
        model = PRETRAINED[which or next(iter(PRETRAINED))]
        if data is None:
            raise NeedsFile(model)
        self.session.load_model(data, model.what, starter=which is None)
        return {"model": self.session.model_info(), "config": self.session.config.to_dict()}

    @request(run=True)
    def use_lab_layers(self, layers) -> dict:
        """Train with the learner's layers: ``layers`` is ``[{exercise, code}]`` (lab exercise
        ids and the learner's code, which passed the lab's checks in the lab's worker). A
        fresh network from the current settings, with their classes in place of pynn's and
        pynn's initial weights; ``model.summary`` marks their layers ("your Dense(784, 256)")
        and ``model.learner_layers`` names them. ``model.learner_speed``: ``{slowdown,
        words}``, how many times longer a training step takes than with pynn's layers (timed
        here, side by side) and what makes it so, in words for the page
        (``pynn.studio.learner_speed``); null for a network of pynn's own layers. Ends any
        run (``replaced``)."""
        self.session.use_lab_layers(layers)
        return {"model": self.session.model_info(), "config": self.session.config.to_dict()}

    @request
    def save_model(self) -> dict:
        """``data``: the network as pynn ``.npz`` bytes (``pynn.load`` reads them in CPython);
        ``file_name``: a name for it (``pynn-[cnn-]<hidden units>-<epochs>ep.npz``)."""
        return {"data": self.session.save_model(), "file_name": self.session.file_name()}

    @request
    def predict(self, pixels, width, height) -> dict:
        """What the network reads in a drawing. ``pixels``: ``width×height`` uint8 ink values
        (0 = nothing), row by row; ``width`` and ``height``: whole numbers from 1 to 8192.
        Answers ``empty: True`` (nothing drawn), else the 10 ``probs``, the ``digit``, the
        28×28 ``input`` the network saw (784 bytes) and the ``activations`` of each layer
        (``pynn.studio.inside.layer_activations``: ``label``, ``kind``, ``count``, ``total``,
        ``side``, ``signed``, ``values`` bytes); for a convnet also ``feature_maps``."""
        return self.session.predict(pixels, width, height)

    # -- training (each answer also has ``state`` and ``events``) ------------------------------
    @request(run=True)
    def train(self) -> dict:
        """Start a run of ``config.epochs`` epochs (event ``started``); during a run, nothing.
        With the model the studio starts with (``model.starter``) the run is the demo: a
        fresh network of the settings for ``model.demo_epochs`` epochs, and the answer has
        ``fresh: True`` with its ``model`` and ``config`` (the form's epochs are the demo's)."""
        return self._started(self.session.train())

    @request(run=True)
    def step(self) -> dict:
        """Train to the end of the next epoch, then pause (``step``); starts a run if idle
        (with the starter model, a fresh network's: answered as ``train``)."""
        return self._started(self.session.train(step=True))

    def _started(self, fresh: bool) -> dict:
        if not fresh:
            return {}
        return {"fresh": True, "model": self.session.model_info(), "config": self.session.config.to_dict()}

    @request(run=True)
    def pause(self) -> dict:
        """Pause a running run (``paused``); otherwise nothing."""
        self.session.pause()
        return {}

    @request(run=True)
    def resume(self) -> dict:
        """Resume a paused run (``resumed``); otherwise nothing."""
        self.session.resume()
        return {}

    @request(run=True)
    def stop(self) -> dict:
        """End the run (``stopped``); the weights stay as trained so far. Idle: nothing."""
        self.session.stop()
        return {}

    @request(run=True, worker=True)
    def train_slice(self, budget_ms=SLICE_MS) -> dict:
        """Train for about ``budget_ms`` (a number in (0, 10000]; at least one minibatch),
        stopping early at an epoch's end. The worker sends it while ``state`` is
        ``running``; otherwise it does nothing. The run ends by itself after its last epoch
        (``finished``) or if the loss diverges (``diverged``: the last good weights are
        back, ``message`` says where)."""
        self.session.train_slice(budget_ms / 1000)
        return {}

    # -- test split -------------------------------------------------------------------------
    @request
    def report(self, budget_ms=None) -> dict:
        """The network on the test split: ``test_loss``, ``test_accuracy``, ``predicted`` and
        ``confidence`` (bytes, one per digit), ``mistakes``, ``confusion``,
        ``confusion_percent``, ``weight_images`` and ``n_weight_images`` (see
        ``pynn.studio.report.split_report_steps``). With ``budget_ms`` it is computed in
        pieces of about that long: the answer is ``{pending: True}`` until a call completes
        it (the worker repeats the request between other messages)."""
        report = self.session.report(None if budget_ms is None else budget_ms / 1000)
        return {"pending": True} if report is None else report

    @request
    def test_images(self) -> dict:
        """The test digits for the gallery: ``images`` (784 bytes each), ``labels``, ``count``."""
        return self.session.test_images()

    # -- data -------------------------------------------------------------------------------
    @request(run=True)
    def load_csv(self, data, name="your CSV") -> dict:
        """Train on a CSV in the assignment's format (``data``: its bytes), split 80/10/10 by
        position into train / validation / test; the network is kept, any run ends
        (``replaced``). Answers ``data`` (as ``info``)."""
        self.session.load_csv(data, name)
        return {"data": self.session.data_info()}

    @request(run=True)
    def use_digits(self) -> dict:
        """Go back to the bundled digits (ends any run: ``replaced``). Answers ``data``."""
        self.session.use_digits()
        return {"data": self.session.data_info()}

    @request(worker=True)
    def install_digits(self, data) -> dict:
        """Give pynn the bundled digits (``data``: the bytes of dist's ``data/digits.npz``),
        where pynn was installed without them, as in the browser. Any request that needs
        them before this answers ``{ok: False, missing: "digits", fetch, error}`` and
        changed nothing, so it can be sent again once they are installed."""
        install_digits(data)
        return {}


Studio.REQUESTS = requests_of(Studio)
RUN_REQUESTS = tuple(name for name, declared in Studio.REQUESTS.items() if declared.run)
assert all(name in ARGUMENTS for declared in Studio.REQUESTS.values() for name in declared.parameters)
