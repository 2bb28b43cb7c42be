"""The seam between the web worker and pynn: plain dicts, lists, numbers and bytes only.

The worker (``web/js/worker.js``) keeps one ``Studio`` and sends it requests::

    studio.handle({"type": "predict", "pixels": <uint8 bytes>, "width": 280, "height": 280})
    → {"ok": True, "empty": False, "probs": [...10 floats], "digit": 7, "input": <784 bytes>}

Every request gets ``{"ok": True, ...}`` or ``{"ok": False, "error": "<one readable line>"}``;
a failed request changes nothing. Request types are the ``Studio`` methods listed in
``Studio.REQUESTS``; their docstrings are the protocol's reference. Nothing here knows
about the DOM, and nothing in the page does maths: whatever the page shows as a number or a
shade (probabilities, smoothed losses, confusion rates, weight pictures) is computed here.
"""

from __future__ import annotations

import time

import numpy as np

from pynn import io
from pynn.config import TrainingConfig
from pynn.data import DigitSplits, load_csv, load_digits, split_by_position
from pynn.draw import preprocess_drawing
from pynn.errors import ModelFileError, TrainingDiverged
from pynn.layers import ACTIVATIONS, INITIALIZERS
from pynn.losses import softmax
from pynn.metrics import confusion_matrix, loss_and_accuracy
from pynn.optim import OPTIMIZERS
from pynn.training import BatchEnd, train_steps

N_WEIGHT_IMAGES = 32  # first-layer units shown as 28×28 pictures
LOSS_SMOOTHING = 0.9  # exponential moving average of the batch loss, as TensorBoard draws it
DIGITS_NAME = "bundled MNIST digits"
LIVE_SETTINGS = ("optimizer", "lr", "momentum", "weight_decay")  # set_config applies these mid-run


def _bytes(value) -> bytes:
    """bytes from bytes-like values, including a Pyodide JsProxy of a typed array
    (``to_bytes`` copies it once; ``to_py`` would copy it twice: 110 MB CSVs matter)."""
    if hasattr(value, "to_bytes"):
        return value.to_bytes()
    if hasattr(value, "to_py"):
        value = value.to_py()
    return bytes(value)


class Studio:
    """One studio session: a network, its data and, maybe, a training run in progress."""

    REQUESTS = ("defaults", "check_config", "reset", "set_config", "info", "load_model",
                "save_model", "predict", "start", "train_slice", "stop", "report",
                "test_images", "load_csv", "use_digits")

    def __init__(self):
        self.config = TrainingConfig()
        self._network = None     # built on first use: the page loads a model file first
        self._data: DigitSplits | None = None  # loaded on first use: predicting needs none
        self.data_name = DIGITS_NAME
        self.run = None          # the train_steps generator while a run is active
        self.runs_started = 0
        self.epochs_done = 0     # epochs this network has been trained (saved with the model)
        self.smoothed_loss = None
        self.batches_seen = 0    # for the bias correction of the smoothed loss

    @property
    def network(self):
        if self._network is None:
            self._network = self.config.build_network()
        return self._network

    @network.setter
    def network(self, network):
        self._network = network

    @property
    def data(self) -> DigitSplits:
        if self._data is None:
            self._data = load_digits()
        return self._data

    # -- dispatch ---------------------------------------------------------------------------
    def handle(self, request: dict) -> dict:
        """Run ``request["type"]`` with the other keys as arguments; never raises."""
        kind = request.get("type")
        if kind not in self.REQUESTS:
            return {"ok": False, "error": f"unknown request type {kind!r}"}
        args = {k: v for k, v in request.items() if k != "type"}
        try:
            return {"ok": True, **getattr(self, kind)(**args)}
        except (ValueError, TypeError, ModelFileError, TrainingDiverged) as error:
            return {"ok": False, "error": str(error)}
        except MemoryError:
            return {"ok": False, "error": "out of memory: try a smaller file or network"}
        except Exception as error:  # a bug: say so, and keep serving
            return {"ok": False, "error": f"internal error ({type(error).__name__}: {error})"}

    # -- configuration ----------------------------------------------------------------------
    def defaults(self) -> dict:
        """The default recipe, the choices the form offers, and when each setting
        ``applies``: ``on_reset`` (a new network), ``live`` (at once, also mid-run) or
        ``next_run``."""
        return {"config": TrainingConfig().to_dict(), "current": self.config.to_dict(),
                "choices": {"activation": list(ACTIVATIONS), "init": ["auto", *INITIALIZERS],
                            "optimizer": list(OPTIMIZERS)},
                "applies": {"on_reset": [*TrainingConfig.ARCHITECTURE, "seed"],
                            "live": list(LIVE_SETTINGS),
                            "next_run": [k for k in TrainingConfig().to_dict()
                                         if k not in (*TrainingConfig.ARCHITECTURE, "seed", *LIVE_SETTINGS)]}}

    def check_config(self, config: dict) -> dict:
        """Validate form values (strings are fine) without applying them.

        ``valid`` and, if not, ``errors``: field → message, each field checked on its own so
        the form can mark every bad field at once. If valid: the normalised ``config`` and
        ``needs_reset`` (it changes the architecture or the seed of the current network)."""
        errors = {}
        for key, value in config.items():
            try:
                TrainingConfig.from_dict({key: value})
            except ValueError as error:
                errors[key] = str(error)
        if errors:
            return {"valid": False, "errors": errors}
        checked = TrainingConfig.from_dict(config)
        return {"valid": True, "config": checked.to_dict(),
                "needs_reset": checked.needs_new_network(self.config) or checked.seed != self.config.seed}

    def reset(self, config: dict | None = None) -> dict:
        """A freshly initialised network from ``config`` (default: the current one)."""
        self.config = TrainingConfig.from_dict(config) if config is not None else self.config
        self.network = self.config.build_network()
        self._new_network()
        return {**self.model_info(), "config": self.config.to_dict()}

    def set_config(self, config: dict) -> dict:
        """Apply what can change without a reset: the learning rate and optimizer settings
        at once (also mid-run), batch size/epochs/shift from the next run."""
        checked = TrainingConfig.from_dict(config)
        if checked.needs_new_network(self.config) or checked.seed != self.config.seed:
            raise ValueError("the architecture or seed changed: press Reset to apply it")
        old, self.config = self.config, checked
        if any(getattr(old, f) != getattr(checked, f) for f in LIVE_SETTINGS if f != "lr"):
            self.network.optimizer = checked.build_optimizer()
        else:
            self.network.optimizer.lr = checked.lr
        return {"config": checked.to_dict(), **self.model_info()}

    def info(self) -> dict:
        """The current ``config``, ``model`` and ``data`` (what the page shows at start)."""
        return {"config": self.config.to_dict(), **self.model_info(), **self.data_info()}

    # -- models -----------------------------------------------------------------------------
    def model_info(self) -> dict:
        return {"model": {"summary": repr(self.network), "params": self.network.count_params(),
                          "layers": self.network.config(), "epochs_done": self.epochs_done,
                          "optimizer": self.network.optimizer.config()}}

    def load_model(self, data, name: str = "model") -> dict:
        """Replace the network with one from a pynn ``.npz`` file's bytes.

        The form's ``config`` follows the file's saved settings when it has them;
        ``epochs_done`` is the file's count (saved by the studio), else its config's epochs."""
        network = io.load(_bytes(data))
        if network.input_units != 784 or network.n_classes != 10:
            raise ModelFileError(f"{name} expects {network.input_units} inputs and "
                                 f"{network.n_classes} classes; the studio needs 784 and 10")
        config = self.config
        saved = network.metadata.get("config")
        if isinstance(saved, dict):
            try:
                config = TrainingConfig.from_dict(saved)
            except ValueError:
                pass  # a model from another tool: keep the form's settings
        epochs = network.metadata.get("epochs", saved.get("epochs", 0) if isinstance(saved, dict) else 0)
        self.network, self.config = network, config
        self._new_network()
        self.epochs_done = epochs if isinstance(epochs, int) and epochs >= 0 else 0
        return {**self.model_info(), "config": self.config.to_dict()}

    def save_model(self) -> dict:
        """The current network as pynn ``.npz`` bytes (loads in CPython with ``pynn.load``)."""
        return {"data": io.to_bytes(self.network, metadata={
            "config": self.config.to_dict(), "data": self.data_name, "epochs": self.epochs_done})}

    # -- prediction -------------------------------------------------------------------------
    def predict(self, pixels, width: int, height: int) -> dict:
        """``pixels``: ``width×height`` uint8 ink values (0 = nothing), row by row.

        Returns ``empty`` (nothing drawn), else the 10 ``probs``, the ``digit`` and the
        28×28 ``input`` the network saw (784 bytes)."""
        ink = np.frombuffer(_bytes(pixels), dtype=np.uint8)
        if ink.size != width * height:
            raise ValueError(f"got {ink.size} pixels for a {width}×{height} drawing")
        image = preprocess_drawing(ink.reshape(height, width))
        if image is None:
            return {"empty": True}
        probs = self.network.predict_proba(image[None, :])[0]
        return {"empty": False, "probs": probs.astype(float).tolist(), "digit": int(probs.argmax()),
                "input": np.round(image * 255).astype(np.uint8).tobytes()}

    # -- training ---------------------------------------------------------------------------
    def start(self) -> dict:
        """Begin a run of ``config.epochs`` epochs on the current data and network."""
        c = self.config
        self._forget_run()
        self.runs_started += 1
        self.run = train_steps(self.network, self.data.X_train, self.data.y_train,
                               epochs=c.epochs, batch_size=c.batch_size,
                               validation_data=(self.data.X_val, self.data.y_val), shift=c.shift,
                               seed=np.random.default_rng([c.seed, self.runs_started]))
        return {"epochs": c.epochs, "n_batches": -(-len(self.data.X_train) // c.batch_size),
                "batch_size": c.batch_size, "n_train": len(self.data.X_train),
                "epochs_done": self.epochs_done}

    def train_slice(self, budget_ms: float = 30.0, until_epoch_end: bool = False) -> dict:
        """Run minibatches for about ``budget_ms``; with ``until_epoch_end`` stop early at
        the end of an epoch (Step is a series of such slices).

        Returns ``state`` (``running``/``finished``/``diverged`` with ``error``), where the
        run is (``epoch`` of ``epochs``, ``batch`` of ``n_batches``), this slice's batch
        ``losses``, their ``smoothed`` curve, each batch's place ``at`` in epochs trained
        (2.5 = half-way through the network's third epoch), the ``examples`` done, and
        ``epoch_ends``: metrics of each epoch that finished (``epoch`` counts all epochs of
        this network, ``run_epoch`` those of this run)."""
        if self.run is None:
            raise ValueError("no training run: press Train first")
        deadline = time.perf_counter() + budget_ms / 1000
        out = {"state": "running", "losses": [], "smoothed": [], "at": [], "examples": 0,
               "epoch_ends": []}
        try:
            while True:
                event = next(self.run)
                if isinstance(event, BatchEnd):
                    out["losses"].append(event.loss)
                    out["smoothed"].append(self._smooth(event.loss))
                    out["at"].append(self.epochs_done + event.batch / event.n_batches)
                    out["examples"] += event.size
                    out.update(epoch=event.epoch, batch=event.batch, n_batches=event.n_batches)
                else:
                    self.epochs_done += 1
                    out["epoch_ends"].append({"epoch": self.epochs_done, "run_epoch": event.epoch,
                                              "epochs": event.epochs, **event.logs()})
                    if until_epoch_end:
                        break
                if time.perf_counter() >= deadline:
                    break
        except StopIteration:
            out["state"] = "finished"
            self.run = None
        except TrainingDiverged as error:
            out.update(state="diverged", error=str(error))
            self.run = None
        return out

    def _smooth(self, loss: float) -> float:
        """Debiased exponential moving average of the batch losses."""
        self.batches_seen += 1
        previous = 0.0 if self.smoothed_loss is None else self.smoothed_loss
        self.smoothed_loss = LOSS_SMOOTHING * previous + (1 - LOSS_SMOOTHING) * loss
        return self.smoothed_loss / (1 - LOSS_SMOOTHING ** self.batches_seen)

    def stop(self) -> dict:
        """End the run; the weights stay as trained so far."""
        self._forget_run()
        return {}

    def _forget_run(self):
        if self.run is not None:
            self.run.close()
        self.run = None

    def _new_network(self):
        self._forget_run()
        self.epochs_done = 0
        self.smoothed_loss, self.batches_seen = None, 0

    def report(self) -> dict:
        """Test-split picture of the current network: ``test_loss``, ``test_accuracy``,
        each test digit's ``predicted`` label and ``confidence`` (0–100), the wrong ones as
        ``mistakes`` (indices, most confident first), the ``confusion`` matrix (row = true
        digit) and its rows as whole per cents (``confusion_percent``), and the first
        layer's weights as ``weight_images`` (``n_weight_images`` 28×28 maps, 0–255 with
        128 = zero, each scaled by its largest weight)."""
        x, y = self.data.X_test, self.data.y_test
        logits = self.network.logits(x)          # one forward pass serves all of it
        loss, accuracy = loss_and_accuracy(logits, y)
        probs = softmax(logits)
        predicted = probs.argmax(axis=1)
        confidence = probs.max(axis=1)
        wrong = np.flatnonzero(predicted != y)
        mistakes = wrong[np.argsort(-confidence[wrong], kind="stable")]
        confusion = confusion_matrix(y, predicted)
        row_totals = np.maximum(confusion.sum(axis=1, keepdims=True), 1)
        w = self.network.dense_layers[0].weights[:, :N_WEIGHT_IMAGES]
        scale = np.maximum(np.abs(w).max(axis=0), 1e-12)
        images = np.round(127.5 + 127.5 * (w / scale)).astype(np.uint8).T
        return {"test_loss": loss, "test_accuracy": accuracy,
                "predicted": predicted.astype(np.uint8).tobytes(),
                "confidence": np.round(confidence * 100).astype(np.uint8).tobytes(),
                "mistakes": mistakes.tolist(),
                "confusion": confusion.tolist(),
                "confusion_percent": np.round(100 * confusion / row_totals).astype(int).tolist(),
                "weight_images": images.tobytes(), "n_weight_images": len(images)}

    def test_images(self) -> dict:
        """The test digits (uint8, 784 per digit) and their labels, for the gallery."""
        return {"images": np.round(self.data.X_test * 255).astype(np.uint8).tobytes(),
                "labels": self.data.y_test.astype(np.uint8).tobytes(), "count": len(self.data.y_test)}

    # -- data -------------------------------------------------------------------------------
    def load_csv(self, data, name: str = "your CSV") -> dict:
        """Use a CSV in the assignment's format: split 80/10/10 by position (train /
        validation / test); the network is kept, any run is stopped."""
        images, labels = load_csv(_bytes(data), engine="numpy")
        self._data = split_by_position(images, labels)
        self.data_name = name
        self._forget_run()
        return self.data_info()

    def use_digits(self) -> dict:
        """Go back to the bundled digits."""
        self._data, self.data_name = load_digits(), DIGITS_NAME
        self._forget_run()
        return self.data_info()

    def data_info(self) -> dict:
        """``data``: its ``name``, ``rows`` and the ``train``/``val``/``test`` split sizes."""
        d = self.data
        return {"data": {"name": self.data_name, "rows": len(d.X_train) + len(d.X_val) + len(d.X_test),
                         "train": len(d.X_train), "val": len(d.X_val), "test": len(d.X_test)}}
