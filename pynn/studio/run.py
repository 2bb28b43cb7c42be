"""``TrainingRun``: one training run of the studio, a small state machine over ``train_steps``.

States and the reasons for entering them (each change is a ``training`` event)::

    (new) --start--> running  "started", or "step" (train one epoch, then pause)
    running --pause()--> paused "paused"       paused --resume()--> running "resumed"
    running/paused --step()--> running "step"  (an epoch later: paused "step")
    running/paused --> idle  "finished" (the last epoch ended), "diverged" (weights put back),
                             "stopped" (stop()), "replaced" (the network or data changed),
                             "error" (an unexpected failure; its message says which)

``idle`` is final: a run never starts again (the session starts a new one). Asking for a
change that does not apply (pause when paused, resume when running, stop when idle) does
nothing and emits nothing.

The run measures itself: batches done of the run's total, epochs, examples/s and time left,
from the time spent *inside* slices only (pauses and the gaps between slices do not count).
What outlives a run (the epochs the network has trained, its smoothed loss curve) is in
``NetworkLog``.

Events (``take_events()``): plain dicts in the order the page must receive them, each with
a ``type`` and exactly the fields ``EVENTS`` declares for it (the one description of them;
``docs/PROTOCOL.md`` is made from it). ``progress`` comes at most every ``PROGRESS_EVERY_S``
while running, and always before an ``epoch`` event and before the run pauses or ends.

The run also measures its network like validation, between batches and a piece at a time:
a fresh network (nothing trained yet) before its first batch (``untrained``: where the
charts start, about chance), and the first ``MEASURED_TRAIN_ROWS`` training digits at each
epoch's end (an ``epoch`` event's ``train_measured_*``: the running figures are taken with
dropout on, on shifted digits, while the weights change, so they sit below validation).
"""

from __future__ import annotations

import math
import time

from pynn.errors import TrainingDiverged
from pynn.metrics import SmoothedLoss
from pynn.studio.inside import evaluate_steps
from pynn.studio.limits import eval_rows, network_cost, work_until
from pynn.training import BatchEnd, EpochEnd, train_steps

PROGRESS_EVERY_S = 0.1   # at most ~10 progress events a second
MEASURED_TRAIN_ROWS = 1000   # training digits measured like validation at each epoch end

# Every event the run emits: its type → its fields and what each means. ``at`` places
# batches and epochs on the network's own time line: the epochs' worth of batches it has
# trained, runs stopped half-way included (2.5 = two and a half epochs), so it only grows.
EVENTS = {
    "progress": {
        "epochs_done": "epochs the network has finished",
        "run_epoch": "the epoch this run is in (1-based)", "epochs": "the run's epochs",
        "batch": "batches done in this epoch", "n_batches": "batches per epoch",
        "run_done": "batches done in this run", "run_total": "batches in this run",
        "examples_per_s": "training speed, inside slices only (None before a batch is done)",
        "eta_s": "seconds left in the run (None before a batch is done)",
        "at": "each batch since the previous progress event: its place on the time line",
        "losses": "those batches' losses", "smoothed": "their smoothed loss (the curve)",
    },
    "epoch": {
        "epoch": "epochs the network has finished, this one included",
        "at": "the epoch's end on the time line",
        "run_epoch": "this run's epoch", "epochs": "the run's epochs",
        "loss": "training loss: the running mean over the epoch's batches, with dropout and "
                "shifted digits, while the weights change",
        "accuracy": "training accuracy, measured the same way",
        "val_loss": "validation loss (None without validation rows)",
        "val_accuracy": "validation accuracy (None without validation rows)",
        "train_measured_loss": "training loss measured like validation at the epoch's end: "
                               f"no dropout, digits unshifted, the first {MEASURED_TRAIN_ROWS:,} "
                               "training digits (None if the run stopped first)",
        "train_measured_accuracy": "training accuracy measured so",
    },
    "untrained": {
        "at": "where the network starts on the time line (0)",
        "val_loss": "the untrained network's validation loss (None without validation rows)",
        "val_accuracy": "its validation accuracy: about chance (None without validation rows)",
        "train_measured_loss": "its training loss, measured like validation",
        "train_measured_accuracy": "its training accuracy, measured so",
    },
    "training": {
        "state": "the run's state now: running, paused or idle",
        "reason": "why: started, paused, resumed, step, stopped, finished, diverged, "
                  "replaced (a new network or data), error",
        "message": "details for diverged, replaced and error, else empty",
    },
}


def event_of(kind: str, **fields) -> dict:
    """An event of type ``kind`` (a key of ``EVENTS``) with exactly its declared fields."""
    declared = EVENTS[kind]
    if fields.keys() != declared.keys():
        raise AssertionError(f"a {kind} event needs the fields {sorted(declared)}, got {sorted(fields)}")
    return {"type": kind, **fields}


class NetworkLog:
    """What the studio remembers about the current network across runs: ``epochs_done``
    (finished epochs), ``trained`` (epochs' worth of batches, partial runs included: the
    charts' x) and the state of its smoothed loss curve (a debiased exponential moving
    average)."""

    def __init__(self, epochs_done: int = 0):
        self.epochs_done = epochs_done
        self.trained = float(epochs_done)
        self.smooth = SmoothedLoss()   # the loss curve's state: smooth(loss) → its next point


class TrainingRun:
    """A run of ``config.epochs`` epochs of ``network`` on ``data`` (a ``DigitSplits``).

    Built ``paused`` and silent; ``start()`` sets it going. ``train_steps`` checks every
    argument first, so a run that cannot start raises here and changes nothing."""

    def __init__(self, network, data, config, log: NetworkLog, seed, clock=time.perf_counter):
        rows = eval_rows(network_cost(network))
        self._steps = train_steps(network, data.X_train, data.y_train, **config.run_options(seed),
                                  validation_data=(data.X_val, data.y_val), eval_batch_size=rows)
        # measuring like validation, a piece at a time: (generator, what to do with its result)
        sample = slice(0, MEASURED_TRAIN_ROWS)
        self._measure_train = lambda: evaluate_steps(network, data.X_train[sample], data.y_train[sample], rows)
        self._measuring = None
        if log.trained == 0:   # a fresh network: where it starts, before its first batch
            self._measuring = (self._untrained(network, data, rows), self._untrained_point)
        self.log = log
        self.epochs = config.epochs
        self.n_batches = math.ceil(len(data.X_train) / config.batch_size)
        self.state = "paused"
        self._started = False
        self.stepping = False
        self.run_epoch, self.batch = 1, 0
        self.examples = self.batches = 0
        self.busy_s = 0.0               # time spent inside slices
        self._clock = clock
        self._pending = ([], [], [])    # at, losses, smoothed since the last progress event
        self._last_progress = None
        self._events: list[dict] = []

    # -- commands -------------------------------------------------------------------------
    def start(self, step: bool = False) -> None:
        """Set a new run going: for its epochs, or (``step``) for one epoch, then pause."""
        if not self._started:
            self._started, self.stepping = True, step
            self._change("running", "step" if step else "started")

    def pause(self) -> None:
        if self.state == "running":
            self.stepping = False
            self._progress()
            self._change("paused", "paused")

    def resume(self) -> None:
        if self.state == "paused" and self._started:
            self._change("running", "resumed")

    def step(self) -> None:
        """Train to the end of the current epoch, then pause."""
        if self.state != "idle":
            self.stepping = True
            self._change("running", "step")

    def stop(self, reason: str = "stopped", message: str = "") -> None:
        """End the run (the weights stay as trained so far). An epoch being measured is
        reported without its measured training figures."""
        if self.state != "idle":
            self._steps.close()
            if self._measuring is not None:
                _, report = self._measuring
                self._measuring = None
                if report != self._untrained_point:
                    report((None, None), finish=False)
            self._progress()
            self._change("idle", reason, message)

    def take_events(self) -> list[dict]:
        """The events since the last call, oldest first (see the module docstring)."""
        events, self._events = self._events, []
        return events

    # -- training -------------------------------------------------------------------------
    def slice(self, budget_s: float) -> None:
        """Work for about ``budget_s`` seconds. While something is being measured (the
        untrained network before a fresh network's first batch, the training digits at an
        epoch's end), measure it, a piece at least, and end the slice when it is done;
        otherwise train minibatches (at least one), stopping early at the end of an epoch,
        whose measurement starts at once. Does nothing unless running."""
        if self.state != "running":
            return
        began = self._clock()
        deadline = began + budget_s
        ended = None            # the EpochEnd this slice reached, if any
        failure = None          # (reason, message) if the run cannot go on
        try:
            if self._measuring is not None:
                self._measure_until(deadline)
                return
            while True:
                event = next(self._steps)
                if isinstance(event, EpochEnd):
                    ended = event
                    break
                if isinstance(event, BatchEnd):
                    self._batch(event)
                if self._clock() >= deadline:
                    break
            if ended is not None:
                self._epoch_end(ended)
                self._measure_until(deadline)
        except StopIteration:
            failure = ("finished", "")
        except TrainingDiverged as error:
            failure = ("diverged", str(error))
        except BaseException as error:  # noqa: BLE001 -- MemoryError, bugs, a learner layer's
            # SystemExit: end the run, say why (the worker itself must go on serving), in the
            # lab's words for code that failed (imported here: the studio starts without the lab)
            from pynn.lab.runner import explain

            failure = ("error", f"training stopped: {explain(error)}")
        finally:
            self.busy_s += self._clock() - began
        if failure is not None:
            self._progress()
            self._change("idle", *failure)
        elif ended is None and (self._last_progress is None
                                or self._clock() - self._last_progress >= PROGRESS_EVERY_S):
            self._progress()

    def _batch(self, event: BatchEnd) -> None:
        at, losses, smoothed = self._pending
        self.log.trained += 1 / event.n_batches
        at.append(round(self.log.trained, 9))
        losses.append(float(event.loss))
        smoothed.append(float(self.log.smooth(event.loss)))
        self.run_epoch, self.batch = event.epoch, event.batch
        self.examples += event.size
        self.batches += 1

    # -- measuring like validation, between batches ------------------------------------------
    def _measure_until(self, deadline: float) -> bool:
        """Measure pieces until ``deadline``; True when the measurement is done (and reported)."""
        steps, report = self._measuring
        done, value = work_until(steps, deadline, self._clock)
        if done:
            self._measuring = None
            report(value)
        return done

    def _untrained(self, network, data, rows):
        """The untrained network's validation and measured training figures, in pieces."""
        val = yield from evaluate_steps(network, data.X_val, data.y_val, rows)
        yield
        return val, (yield from self._measure_train())

    def _untrained_point(self, figures) -> None:
        (val_loss, val_accuracy), (train_loss, train_accuracy) = figures
        self._events.append(event_of("untrained", at=0.0, val_loss=val_loss, val_accuracy=val_accuracy,
                                     train_measured_loss=train_loss, train_measured_accuracy=train_accuracy))

    def _epoch_end(self, ended: EpochEnd) -> None:
        self.log.epochs_done += 1
        self._progress()
        epoch, at = self.log.epochs_done, round(self.log.trained, 9)
        self._measuring = (self._measure_train(),
                           lambda figures, finish=True: self._epoch_measured(ended, epoch, at, figures, finish))

    def _epoch_measured(self, ended: EpochEnd, epoch: int, at: float, figures, finish: bool) -> None:
        """The epoch's event, once its training figures are measured (or the run stopped)."""
        train_loss, train_accuracy = figures
        self._events.append(event_of("epoch", epoch=epoch, at=at, run_epoch=ended.epoch, epochs=ended.epochs,
                                     loss=ended.loss, accuracy=ended.accuracy, val_loss=ended.val_loss,
                                     val_accuracy=ended.val_accuracy, train_measured_loss=train_loss,
                                     train_measured_accuracy=train_accuracy))
        if not finish:
            return
        if ended.epoch >= ended.epochs:
            self._steps.close()
            self._change("idle", "finished")
        elif self.stepping:
            self.stepping = False
            self._change("paused", "step")

    # -- events ---------------------------------------------------------------------------
    def progress(self) -> dict:
        """Where the run is: a ``progress`` event's fields but the batches'."""
        done = (self.run_epoch - 1) * self.n_batches + self.batch
        total = self.epochs * self.n_batches
        busy = self.busy_s if self.batches else 0.0
        return {"epochs_done": self.log.epochs_done,
                "run_epoch": self.run_epoch, "epochs": self.epochs, "batch": self.batch,
                "n_batches": self.n_batches, "run_done": done, "run_total": total,
                "examples_per_s": self.examples / busy if busy > 0 else None,
                "eta_s": (total - done) * busy / self.batches if self.batches else None}

    def _progress(self) -> None:
        at, losses, smoothed = self._pending
        self._events.append(event_of("progress", **self.progress(), at=at, losses=losses, smoothed=smoothed))
        self._pending = ([], [], [])
        self._last_progress = self._clock()

    def _change(self, state: str, reason: str, message: str = "") -> None:
        self.state = state
        self._events.append(event_of("training", state=state, reason=reason, message=message))
