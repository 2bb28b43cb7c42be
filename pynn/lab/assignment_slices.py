"""The assignment's run in the page: the learner's run and pynn's reference run of the same
recipe and seed, advanced in turns, a short slice at a time.

A Python call in a Web Worker cannot be interrupted, so the lab's page asks for one slice of
about ``SLICE_MS`` after another (``PairedRun.slice``) and stops the run by not asking any
more — it terminates the worker, which ran nothing else. Between two slices the page draws
what happened: every batch and epoch of both runs, marked ``whose`` ("yours" or "pynn's")::

    parts = parts_from_files({"relu": code, "dense": code, ...})   # each part from its exercise's file
    run = PairedRun(parts, X_train, y_train, X_val, y_val, epochs=10)
    while not (answer := run.slice(50))["done"]:
        ...                                                          # answer["events"]

The two runs take turns batch by batch (the one behind goes next), so they are never more
than a batch apart and the reference curve is drawn as the learner's grows. What the
learner's code raises ends the run with ``error`` (their lines, ``pynn.lab.runner.explain``);
pynn's own failures are bugs and are raised.

After each of the learner's epochs the run keeps what their ``predict`` answered on the
validation digits (the run's own accuracy step, as a guest: no extra predicting), and the
slice that brings the epoch, and the last slice, carry ``report``: the confusion matrix and
the first digits their network gets wrong (``validation_report``).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

import pynn.lab
from pynn.lab.assignment_run import (PARTS, PYNN_OBJECTS, AssignmentBatch, AssignmentParts,
                                     assignment_steps, learner_parts, reference_steps)
from pynn.lab.runner import LearnerCodeError, explain
from pynn.metrics import SmoothedLoss, confusion_matrix, confusion_percent

RECIPE = {"hidden": (100, 200), "lr": 0.1, "batch_size": 32, "seed": 0}   # the notebook's
DEFAULT_EPOCHS = 10
MAX_EPOCHS = 100
TRAIN_DIGITS = 8000      # load_digits()'s training split (a test checks it)
SLICE_MS = 50            # short, so that the page's Stop is instant
MISTAKES_SHOWN = 24      # the first validation digits the learner's network gets wrong, as pictures
YOURS, PYNNS = "yours", "pynn's"


def recipe_line(train_digits: int = TRAIN_DIGITS, n_inputs: int = 784, n_classes: int = 10) -> str:
    """"784-100-200-10, ReLU, SGD at 0.1, batch 32, 8000 training digits" """
    sizes = "-".join(str(n) for n in (n_inputs, *RECIPE["hidden"], n_classes))
    return (f"{sizes}, ReLU, SGD at {RECIPE['lr']:g}, batch {RECIPE['batch_size']}, "
            f"{train_digits} training digits")


def about() -> dict:
    """What the page shows before a run: the recipe, the epochs, and which exercise each part
    of the loop comes from."""
    exercises = pynn.lab.all_exercises()
    return {"recipe": recipe_line(), "epochs": DEFAULT_EPOCHS, "max_epochs": MAX_EPOCHS,
            "parts": [{"name": part.name, "exercise": part.exercise,
                       "title": exercises[part.exercise].title} for part in PARTS]}


def parts_from_files(files: dict[str, str]) -> AssignmentParts:
    """Each part of the loop from the learner's file for its exercise (``files``: exercise id →
    code), theirs when that file defines it and passes its checks; pynn's otherwise, saying
    why. A file given for several exercises is run and checked once."""
    found: dict[str, AssignmentParts | str] = {}   # code → its parts, or why it does not run
    objects, theirs, why_not = dict(PYNN_OBJECTS), [], {}
    for part in PARTS:
        code = files.get(part.exercise)
        if code is None:
            why_not[part.name] = f"you have not written the {part.exercise} exercise yet"
            continue
        if code not in found:
            try:
                found[code] = learner_parts(code, f"{part.exercise}.py")
            except LearnerCodeError as error:
                found[code] = f"your {part.exercise} file does not run ({str(error).splitlines()[-1]})"
        parts = found[code]
        if isinstance(parts, str):
            why_not[part.name] = parts
        elif part.name in parts.theirs:
            objects.update({name: parts.objects[name] for name in part.names})
            theirs.append(part.name)
        else:
            why_not[part.name] = parts.why_not[part.name]
    return AssignmentParts(objects, tuple(theirs), why_not)


def validation_report(predicted, X_val, y_val, epoch: int, shown: int = MISTAKES_SHOWN) -> dict:
    """What the learner's network made of the validation digits after ``epoch``, as plain
    values: ``confusion`` (row = true digit, column = predicted; counts) and its rows as whole
    per cents (``confusion_percent``), ``n`` digits, ``right``; ``n_mistakes`` and the first
    ``shown`` of them: ``mistakes`` (indices), ``mistakes_true``, ``mistakes_predicted`` and
    ``pictures`` (uint8 bytes, ``side``² ink values per digit, 255 = black)."""
    y = np.asarray(y_val, dtype=np.intp)
    predicted = np.asarray(predicted).astype(np.intp)
    n_classes = max(int(y.max()), int(predicted.max()) if predicted.size else 0) + 1
    confusion = confusion_matrix(y, predicted, max(n_classes, 10))
    wrong = np.flatnonzero(predicted != y)
    first = wrong[:shown]
    pixels = np.asarray(X_val)[first]
    return {"epoch": epoch, "n": len(y), "right": int(len(y) - len(wrong)),
            "confusion": confusion.tolist(),
            "confusion_percent": confusion_percent(confusion).tolist(),
            "n_mistakes": len(wrong), "mistakes": first.tolist(),
            "mistakes_true": y[first].tolist(), "mistakes_predicted": predicted[first].tolist(),
            "pictures": np.round(np.clip(pixels, 0, 1) * 255).astype(np.uint8).tobytes(),
            "side": int(round(np.sqrt(np.shape(X_val)[1])))}


class PairedRun:
    """The learner's run (``parts``) and pynn's reference, in turns. ``slice(budget_ms)``
    answers ``events`` (each event's ``to_dict()`` with ``whose``, ``at`` — epochs trained,
    the charts' x — and, for batches, ``smoothed``), ``done`` and, once both have finished,
    ``verdict``; or ``error`` when the learner's code failed (the run is then done). The
    slice that brings one of the learner's epochs, and the last slice with the verdict, also
    carry ``report`` (``validation_report``: the learner's network after its last epoch)."""

    def __init__(self, parts: AssignmentParts, X_train, y_train, X_val, y_val, *,
                 epochs: int = DEFAULT_EPOCHS, clock=time.perf_counter, **recipe):
        recipe = {**RECIPE, **recipe, "epochs": epochs}
        data = (X_train, y_train, X_val, y_val)
        self.X_val, self.y_val = X_val, y_val
        self.val_predicted = None         # what the learner's predict said on X_val, last epoch
        self.report_epoch = 0             # the learner's epoch those predictions are from
        parts = dataclasses.replace(parts, objects={**parts.objects,
                                                    "predict": self._keeping(parts.objects["predict"])})
        self.runs = {YOURS: assignment_steps(parts, *data, **recipe), PYNNS: reference_steps(*data, **recipe)}
        self.done_batches = {YOURS: 0.0, PYNNS: 0.0}
        self.smooth = {YOURS: SmoothedLoss(), PYNNS: SmoothedLoss()}
        self.last_epoch: dict[str, dict] = {}
        self.finished: set[str] = set()
        self.error: str | None = None
        self.clock = clock

    def _keeping(self, predict):
        """The learner's ``predict``, keeping a copy of its answer on the validation digits
        (called by the run's accuracy step, as a guest, like the bare ``predict``)."""
        def kept(network, X):
            answer = predict(network, X)
            if X is self.X_val:
                self.val_predicted = np.array(answer, copy=True)
            return answer
        return kept

    def report(self) -> dict | None:
        """``validation_report`` of the learner's last epoch; None before their first."""
        if self.val_predicted is None or not self.report_epoch:
            return None
        return validation_report(self.val_predicted, self.X_val, self.y_val, self.report_epoch)

    @property
    def done(self) -> bool:
        return self.error is not None or len(self.finished) == len(self.runs)

    def slice(self, budget_ms: float) -> dict:
        """Advance the runs for about ``budget_ms`` (at least one step)."""
        events, start = [], self.clock()
        while not self.done and (not events or (self.clock() - start) * 1000 < budget_ms):
            whose = min((w for w in self.runs if w not in self.finished), key=self.done_batches.get)
            try:
                event = next(self.runs[whose], None)
            except Exception as error:   # noqa: BLE001 -- pynn's run failing is a bug: raise it
                if whose == PYNNS:
                    raise
                self.error = explain(error) if not isinstance(error, LearnerCodeError) else str(error)
                break
            if event is None:
                self.finished.add(whose)
                continue
            events.append(self._described(whose, event))
        answer = {"events": events, "done": self.done}
        if self.error is not None:
            answer["error"] = f"your code stopped the run: {self.error}"
        elif self.done:
            answer["verdict"] = self.verdict()
        if self.error is None and (self.done or any(e["whose"] == YOURS and e["type"] == "epoch" for e in events)):
            report = self.report()
            if report is not None:
                answer["report"] = report
        return answer

    def _described(self, whose: str, event) -> dict:
        out = {**event.to_dict(), "whose": whose}
        if isinstance(event, AssignmentBatch):
            out["at"] = event.epoch - 1 + event.batch / event.n_batches
            out["smoothed"] = self.smooth[whose](event.loss)
            self.done_batches[whose] = out["at"]
        else:
            out["at"] = float(event.epoch)
            self.done_batches[whose] = event.epoch + 1e-9   # the other's last batch of the epoch first
            self.last_epoch[whose] = out
            if whose == YOURS:
                self.report_epoch = event.epoch
        return out

    def verdict(self) -> dict:
        """``{yours, pynns, points, text}``: the last validation accuracies and their
        difference in percentage points."""
        yours, pynns = (self.last_epoch[w]["val_accuracy"] for w in (YOURS, PYNNS))
        points = round((yours - pynns) * 100, 1) + 0.0   # (no -0.0)
        return {"yours": yours, "pynns": pynns, "points": points,
                "text": f"your run: {yours:.1%} validation accuracy, pynn's {pynns:.1%} "
                        f"({points:+.1f} points)"}
