"""``Session``: one studio session's state, and every change to it.

State: ``config`` (the ``TrainingConfig`` the form shows), ``network`` (built from
``config`` on first use: the page loads a model file first), ``data`` (a ``DigitSplits``;
the bundled digits are loaded on first use: predicting needs none, and in the browser they
are fetched then, see ``pynn.data.install_digits``), ``data_name``, ``log``
(the network's ``NetworkLog``: epochs trained, smoothed loss) and ``run`` (the
``TrainingRun`` while one is active, else None), ``report_job`` (the test-split report
being computed piece by piece, else None) and ``starter`` (the network is the model the page
starts with: it reads drawings, and the first Train replaces it with a fresh network of the
settings for a short demo run, ``limits.demo_epochs``).

Size: every network the session builds, loads or trains fits ``pynn.studio.limits`` (a
training step within the budget that keeps the page answering), checked with the form's
messages before anything changes.

The rule every method keeps: prepare everything that can fail first (build the network,
parse the file, set up the run), then swap it in. An exception, ``MemoryError`` included,
leaves the session exactly as it was. A change that replaces the network or the data ends
the active run with the reason ``replaced`` (its message says by what); the run's events
wait in ``take_events()``. Nothing keeps a replaced network or data alive.
"""

from __future__ import annotations

import math
import time

import numpy as np

from pynn import io
from pynn.config import FIELD, TrainingConfig
from pynn.data import DIGITS_ROWS, DigitSplits, load_csv, load_digits, split_by_position, split_sizes
from pynn.errors import ModelFileError
from pynn.mnist import INPUT_UNITS, N_CLASSES
from pynn.studio.inside import read_drawing
from pynn.studio.limits import (check_learner_speed, check_size, demo_epochs, eval_rows,
                                network_cost, size_errors, work_until)
from pynn.studio.report import frozen_copy, gallery_images, split_report_steps
from pynn.studio.run import NetworkLog, TrainingRun
from pynn.studio.twins import describe, layer_configs, with_pynn_layers

DIGITS_NAME = "bundled MNIST digits"
MAX_EPOCHS_DONE = 10**6   # a model file's epoch count beyond this is not a count (the charts' x)


class Session:
    def __init__(self):
        self.config = TrainingConfig()
        self._network = None
        self._data: DigitSplits | None = None
        self.data_name = DIGITS_NAME
        self.log = NetworkLog()
        self.run: TrainingRun | None = None
        self.runs_started = 0     # each run shuffles with its own seed: (config.seed, n)
        self.report_job = None    # generator of split_report_steps, while one is computed
        self.starter = False      # the model the page starts with: Train starts a fresh network
        self._events: list[dict] = []

    @property
    def network(self):
        if self._network is None:
            self._network = self.config.build_network(INPUT_UNITS, N_CLASSES)
        return self._network

    @property
    def data(self) -> DigitSplits:
        if self._data is None:
            self._data = load_digits()
        return self._data

    @property
    def run_state(self) -> str:
        """``running``, ``paused`` or ``idle`` (no run)."""
        return "idle" if self.run is None else self.run.state

    def take_events(self) -> list[dict]:
        """The page events since the last call (see ``pynn.studio.run``), oldest first."""
        events, self._events = self._events, []
        if self.run is not None:
            events += self.run.take_events()
            if self.run.state == "idle":
                self.run = None
        return events

    def _replacing(self, what: str) -> None:
        """Before the network or the data is swapped: end the run (its message says
        ``what`` replaced it) and drop the report being computed for the old one."""
        self.report_job = None
        if self.run is not None:
            self.run.stop("replaced", what)
            self._events += self.run.take_events()
            self.run = None

    # -- settings -------------------------------------------------------------------------
    def check(self, values: dict) -> dict:
        """``{valid: False, errors: {field: message}}`` or ``{valid: True, config,
        needs_reset}`` for the current settings with ``values`` changed; applies nothing."""
        errors = TrainingConfig.field_errors(values)
        if errors:
            return {"valid": False, "errors": errors}
        checked = self.config.update(values)
        needs_reset = self.config.needs_reset(checked)
        # a new architecture is sized by its config, the current network by its own count
        errors = size_errors(checked, None if needs_reset else network_cost(self.network))
        if errors:
            return {"valid": False, "errors": errors}
        return {"valid": True, "config": checked.to_dict(), "needs_reset": needs_reset}

    def apply(self, values: dict) -> None:
        """Change the settings in ``values`` (only those). Live ones (optimizer, learning
        rate...) reach the network at once, also mid-run; the run's batch size, epochs and
        shift apply from the next run. Settings that need a new network are refused."""
        new = self.config.update(values)
        blocked = self.config.changed(new, "on_reset")
        if blocked:
            labels = ", ".join(FIELD[name].label for name in blocked)
            raise ValueError(f"{labels} can only change with a new network: "
                             f"press Reset to apply {'it' if len(blocked) == 1 else 'them'}")
        check_size(new, network_cost(self.network))
        if self._network is not None:
            if [name for name in self.config.changed(new, "live") if name != "lr"]:
                self._network.optimizer = new.build_optimizer()
            else:
                self._network.optimizer.lr = new.lr
        self.config = new

    def reset(self, values: dict | None = None) -> None:
        """A freshly initialised network from the settings with ``values`` changed."""
        config = self.config if values is None else self.config.update(values)
        check_size(config)
        network = config.build_network(INPUT_UNITS, N_CLASSES)
        self._replacing("a new network (Reset)")
        self.config, self._network, self.log = config, network, NetworkLog()
        self.starter = False

    # -- models ---------------------------------------------------------------------------
    def load_model(self, data: bytes, name: str, starter: bool = False) -> None:
        """Use the network in a pynn ``.npz`` file. The settings follow the file's saved
        ones when it has valid ones; the epoch count is the file's (or its config's).
        ``starter``: the model the page starts with, there to read drawings; the first Train
        then starts a fresh network of the settings instead of going on training it."""
        try:
            network = io.load(data)
        except (ValueError, TypeError, MemoryError):
            raise
        except Exception as error:  # noqa: BLE001 -- whatever a damaged file makes io trip on
            raise ModelFileError(f"{name} is not a readable pynn model ({error})") from None
        if network.input_units != INPUT_UNITS or network.n_classes != N_CLASSES:
            raise ModelFileError(f"{name} expects {network.input_units} inputs and "
                                 f"{network.n_classes} classes; the studio needs "
                                 f"{INPUT_UNITS} and {N_CLASSES}")
        config, saved = self.config, network.metadata.get("config")
        if isinstance(saved, dict):
            try:
                config = TrainingConfig().update(saved)
            except (ValueError, TypeError):
                pass  # a model from another tool: keep the form's settings
        epochs = network.metadata.get("epochs", saved.get("epochs") if isinstance(saved, dict) else 0)
        plausible = isinstance(epochs, int) and not isinstance(epochs, bool) and 0 <= epochs <= MAX_EPOCHS_DONE
        log = NetworkLog(epochs if plausible else 0)   # another tool's count, or a damaged one: start at 0
        try:
            check_size(config, network_cost(network))
        except ValueError as error:
            raise ModelFileError(f"{name} cannot be used in the studio: {error}") from None
        self._replacing(f"the model {name}")
        self.config, self._network, self.log = config, network, log
        self.starter = starter

    def use_lab_layers(self, layers: list[dict]) -> None:
        """A fresh network from the settings with the learner's layers in place of pynn's
        (same architecture, seed and initial weights; ``pynn.lab.swap``). ``layers``: the
        code of each lab exercise whose class to use, ``[{exercise, code}]``. The network's
        ``metadata["learner_speed"]`` says how much slower a step is than pynn's, and why
        (``pynn.studio.learner_speed``)."""
        # The lab is imported here, when first used: the studio starts faster without it.
        import pynn.lab
        from pynn.lab.guard import guest
        from pynn.lab.swap import build_with_learner_layers, learner_layers
        from pynn.studio.learner_speed import learner_speed, slowdown_reasons

        check_size(self.config)
        # The learner's code is a guest here too: whatever its module or its first steps
        # change in pynn or numpy is put back, and a change refuses the request.
        with guest() as visit:
            classes = {}
            for item in layers:
                classes.update(learner_layers(item["code"], [pynn.lab.get(item["exercise"])]))
            network = build_with_learner_layers(self.config, classes)
            slowdown = check_learner_speed(self.config, network, self.config.build_network(INPUT_UNITS, N_CLASSES))
            network.metadata["learner_speed"] = learner_speed(slowdown, slowdown_reasons(network))
        if visit.changes:
            raise ValueError(f"your code changed {visit.changes[0]}: a layer file may only define "
                             f"its classes (nothing changed in the studio)")
        self._replacing("a network with your layers")
        self._network, self.log = network, NetworkLog()
        self.starter = False

    def file_name(self) -> str:
        """A name for the saved model: ``pynn-[cnn-]<hidden units>-<epochs>ep.npz``."""
        layers = layer_configs(self.network)
        dense = [layer["output_units"] for layer in layers if layer["type"] == "Dense"][:-1]
        kind = "cnn-" if any(layer["type"] == "Conv2D" for layer in layers) else ""
        hidden = "-".join(map(str, dense)) or "linear"
        return f"pynn-{kind}{hidden}-{self.log.epochs_done}ep.npz"

    def save_model(self) -> bytes:
        return io.to_bytes(with_pynn_layers(self.network), metadata={"config": self.config.to_dict(),
                                                   "data": self.data_name,
                                                   "epochs": self.log.epochs_done})

    def model_info(self) -> dict:
        network = self.network
        return {"summary": describe(network), "params": network.count_params(),
                "learner_layers": network.metadata.get("learner_layers", []),
                "learner_speed": network.metadata.get("learner_speed"),
                "layers": layer_configs(network), "epochs_done": self.log.epochs_done,
                "optimizer": network.optimizer.config(), "starter": self.starter,
                "demo_epochs": self.demo_epochs() if self.starter else None}

    def demo_epochs(self) -> int:
        """The epochs of the demo run the first Train starts (``limits.demo_epochs``)."""
        rows = self._data.X_train.shape[0] if self._data is not None else split_sizes(DIGITS_ROWS)[0]
        return demo_epochs(self.config, rows)

    # -- prediction -----------------------------------------------------------------------
    def predict(self, ink: bytes, width: int, height: int) -> dict:
        """What the network reads in a drawing (``pynn.studio.inside.read_drawing``)."""
        return read_drawing(self.network, ink, width, height)

    # -- training -------------------------------------------------------------------------
    def train(self, step: bool = False) -> bool:
        """Start a run (``step``: of one epoch, then pause). With a run active, ``train``
        changes nothing and ``step`` makes it pause at the end of the current epoch. With
        the starter model, the run is the demo: a fresh network of the settings, trained
        for ``demo_epochs`` (the form's epochs become those); answers True then."""
        if self.run is not None:
            if step:
                self.run.step()
            return False
        fresh = self.starter
        config, network, log, data = self.config, self.network, self.log, self.data
        if fresh:   # prepared first: a run that cannot start changes nothing
            config = config.update({"epochs": self.demo_epochs()})
            check_size(config)
            network, log = config.build_network(INPUT_UNITS, N_CLASSES), NetworkLog()
        seed = np.random.default_rng([config.seed, self.runs_started + 1])
        run = TrainingRun(network, data, config, log, seed)
        if fresh:
            self._replacing("a fresh network")
            self.config, self._network, self.log, self.starter = config, network, log, False
        self.runs_started += 1
        self.run = run
        run.start(step)
        return fresh

    def pause(self) -> None:
        if self.run is not None:
            self.run.pause()

    def resume(self) -> None:
        if self.run is not None:
            self.run.resume()

    def stop(self) -> None:
        if self.run is not None:
            self.run.stop("stopped")

    def train_slice(self, budget_s: float) -> None:
        if self.run is not None:
            self.run.slice(budget_s)

    # -- data -----------------------------------------------------------------------------
    def load_csv(self, data: bytes, name: str) -> None:
        """Train on a CSV in the assignment's format, split 80/10/10 by position."""
        try:
            images, labels = load_csv(data, engine="numpy")
        except (ValueError, TypeError, MemoryError):
            raise
        except Exception as error:  # noqa: BLE001 -- e.g. csv.Error on a damaged file
            raise ValueError(f"{name} could not be read as a CSV ({error})") from None
        splits = split_by_position(images, labels)
        self._replacing(f"new data ({name})")
        self._data, self.data_name = splits, name

    def use_digits(self) -> None:
        data = load_digits()
        self._replacing("new data (the bundled digits)")
        self._data, self.data_name = data, DIGITS_NAME

    def data_info(self) -> dict:
        """The data's ``name``, whether it is the ``bundled`` digits, and its row counts. The
        bundled digits are described without being loaded: the page shows them at start,
        before anything needs their pixels."""
        if self._data is None:
            rows, sizes = DIGITS_ROWS, split_sizes(DIGITS_ROWS)
        else:
            sizes = len(self._data.X_train), len(self._data.X_val), len(self._data.X_test)
            rows = sum(sizes)
        return {"name": self.data_name, "bundled": self.data_name == DIGITS_NAME, "rows": rows,
                **dict(zip(("train", "val", "test"), sizes))}

    def report(self, budget_s: float | None = None) -> dict | None:
        """The test-split report (``pynn.studio.report``). With ``budget_s``, computed piece
        by piece: each call works about that long (at least one piece) and answers None
        until the report is complete; a change of network or data starts it afresh."""
        if self.report_job is None:
            rows = eval_rows(network_cost(self.network))
            # A copy: training may go on between pieces, and every piece must see one set of weights.
            self.report_job = split_report_steps(frozen_copy(self.network), self.data, rows)
        job, deadline = self.report_job, time.perf_counter() + (budget_s or math.inf)
        try:
            done, report = work_until(job, deadline)
            return report if done else None
        finally:
            if self.report_job is job and job.gi_frame is None:   # finished or failed
                self.report_job = None

    def test_images(self) -> dict:
        return gallery_images(self.data)
