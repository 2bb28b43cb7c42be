"""The seam between the lab's web worker (``web/js/worker/lab-worker.js``) and ``pynn.lab``.

The lab runs learner code in a worker of its own, which the page terminates when a check
runs too long or the learner presses Stop; the studio's worker never runs unchecked code.
Requests are plain dicts, answers too, and ``handle`` never raises::

    {"type": "exercises", "course": "layers"}      → {"ok": True, "exercises": [...], "course": {...}, "courses": [...], ...}
    {"type": "check", "exercise": "relu", "code": "..."}
                                                   → {"ok": True, "passed": bool, "results": [...]}
    {"type": "solution", "exercise": "relu", "course": None, "failures": 3}
                                                   → {"ok": True, "solution": "..." or None}
    {"type": "export", "files": [{"exercise": "relu", "code": "..."}, ...], "course": None}
                                                   → {"ok": True, "notebook": "...", "python": "...", "names": {...}}
    {"type": "assignment_start", "files": [{"exercise": "relu", "code": "..."}, ...], "epochs": 10}
                                                   → {"ok": True, "parts": {...}, "recipe": "...", ...}
    {"type": "assignment_slice", "budget_ms": 50}  → {"ok": True, "events": [...], "done": bool}

The requests are the methods marked ``@request`` (``pynn.studio.protocol``, the studio's
way too): their parameters are the arguments, checked by name before anything runs. Each
result is ``{"name", "passed", "detail", "hints", "where", "cause"}`` (``pynn.lab.checks``).
``course`` (optional) is a course's id (``pynn.lab.courses``): its exercises, its order, its
teacher's settings; Python enforces them (a solution the course never shows is None). A malformed request gets ``{"ok": False,
"error": "<one line>"}``. Whatever the learner's code raises (``SystemExit`` and
``KeyboardInterrupt`` included) is a failed check in the report; anything else that gets
out of the checker is ``{"ok": False, "error": ...}`` too, never an exception.

The assignment's run (``pynn.lab.assignment_slices``) is the one thing kept between requests:
the page sends ``assignment_start`` to a fresh worker kept for that run alone, then
``assignment_slice`` after ``assignment_slice``, and terminates the worker to stop it. The
digits are not in the browser's pynn: like the studio's, ``assignment_start`` then answers
``{"ok": False, "fetch": {file, what, install}}`` having done nothing, and the worker fetches
the file, sends ``install_digits`` and asks again.
"""

from __future__ import annotations

import pynn.lab
from pynn.checks import check_int, check_number, is_int, is_number
from pynn.data import DigitsMissing, install_digits, load_digits
from pynn.lab import assignment_slices, courses
from pynn.lab.assignment_slices import MAX_EPOCHS, SLICE_MS, PairedRun, parts_from_files, recipe_line
from pynn.lab.runner import explain
from pynn.studio.files import DIGITS, NeedsFile
from pynn.studio.limits import MAX_CODE_CHARS
from pynn.studio.protocol import check_request, request, requests_of

MAX_ID_CHARS = 200
MAX_FILES = 20             # files one assignment run takes (one per exercise)
MAX_BUDGET_MS = 10_000     # one assignment_slice at most
MAX_FAILURES = 1_000_000   # failed check runs a page may count


def _text(name: str, value, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {type(value).__name__}")
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit:,} characters")
    return value


def _files(name: str, value) -> dict[str, str]:
    """``[{"exercise": id, "code": text}, ...]`` → ``{id: text}``."""
    if not isinstance(value, (list, tuple)) or len(value) > MAX_FILES:
        raise TypeError(f"{name} must be a list of at most {MAX_FILES} {{exercise, code}} dicts")
    files = {}
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"exercise", "code"}:
            raise TypeError(f"{name}[{i}] must be a dict with exactly 'exercise' and 'code'")
        exercise = pynn.lab.get(_text(f"{name}[{i}].exercise", item["exercise"], MAX_ID_CHARS)).id
        files[exercise] = _text(f"{name}[{i}].code", item["code"], MAX_CODE_CHARS)
    return files


def _whole(low: int, high: int):
    def check(name, value) -> int:
        if not is_int(value):
            raise TypeError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
        return check_int(name, value, low=low, high=high)
    return check


def _budget(name, value) -> float:
    if not is_number(value):
        raise TypeError(f"{name} must be a number of milliseconds in (0, {MAX_BUDGET_MS}]")
    return check_number(name, value, low=0, high=MAX_BUDGET_MS, low_open=True)


def _bytes(name, value) -> bytes:
    """bytes, also from a Pyodide JsProxy of a Uint8Array (copied once with ``to_bytes``)."""
    data = value.to_bytes() if hasattr(value, "to_bytes") and not isinstance(value, int) else value
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be bytes (a Uint8Array), got {type(value).__name__}")
    return bytes(data)


def _course(name, value) -> str:
    """A course's id, which must exist (``ValueError`` lists the courses)."""
    return courses.get_course(_text(name, value, MAX_ID_CHARS)).id


ARGUMENTS = {"exercise": lambda name, value: _text(name, value, MAX_ID_CHARS),
             "course": _course, "failures": _whole(0, MAX_FAILURES),
             "code": lambda name, value: _text(name, value, MAX_CODE_CHARS),
             "files": _files, "epochs": _whole(1, MAX_EPOCHS),
             "examples": _whole(assignment_slices.RECIPE["batch_size"], assignment_slices.TRAIN_DIGITS),
             "budget_ms": _budget, "data": _bytes}


class LabBridge:
    """What the lab worker calls; keeps nothing between requests."""

    REQUESTS: dict = {}   # filled from the @request marks below the class

    def __init__(self):
        self.run: PairedRun | None = None   # the assignment's run, in a worker of its own

    def handle(self, request) -> dict:
        try:
            kind, args = check_request(self.REQUESTS, ARGUMENTS, request)
            return {"ok": True, **getattr(self, kind)(**args)}
        except (ValueError, TypeError) as error:
            return {"ok": False, "error": str(error)}
        except DigitsMissing as error:   # the worker fetches them, installs them, asks again
            fetch = NeedsFile(DIGITS, install="install_digits").answer()
            return {"ok": False, "error": str(error), "fetch": fetch}
        except MemoryError:
            return {"ok": False, "error": "out of memory: the lab restarts its Python"}
        except BaseException as error:  # the checker's own failure: say what, never raise
            return {"ok": False, "error": f"the check stopped: {_last_line(error)}"}

    @request
    def exercises(self, course=None) -> dict:
        """The exercises, in order: ``exercises`` (each exercise's ``to_dict()``: id, title,
        statement, starter, trainable, ``solution_after``, ``hints``, ``shapes``...; with a
        ``course``, only its exercises, in its order, with its settings), ``course`` (its
        ``{id, title, note}``, or None), ``courses`` (``{id, title}`` of each), and
        ``max_code_chars``, the longest file a check takes (the page refuses longer uploads
        with this figure); ``assignment``: the run's ``recipe`` line, default ``epochs``,
        ``max_epochs`` and ``parts`` (``{name, exercise, title}``: which exercise each part
        of the loop comes from)."""
        chosen = courses.get_course(course)
        return {"exercises": [e.to_dict(chosen) for e in courses.exercises_of(chosen)],
                "max_code_chars": MAX_CODE_CHARS, "assignment": assignment_slices.about(),
                "course": None if chosen is None else chosen.to_dict(),
                "courses": [{"id": c.id, "title": c.title} for c in courses.all_courses().values()]}

    @request
    def check(self, exercise, code, course=None) -> dict:
        """Run ``exercise``'s checks on the learner's ``code``: ``passed`` and ``results``
        (each ``{name, passed, detail, hints, where, cause}``; no hints where ``course`` or
        the exercise turns them off)."""
        chosen = pynn.lab.get(exercise)
        _, hints = courses.settings(chosen, courses.get_course(course))
        return chosen.check(code, hints=hints).to_dict()

    @request
    def solution(self, exercise, failures, course=None) -> dict:
        """``solution``: a correct answer to ``exercise``, once the learner has had
        ``failures`` failed check runs and the exercise's (or ``course``'s)
        ``solution_after`` allows it; None before, and always None where it says never."""
        return {"solution": pynn.lab.get(exercise).solution_for(failures, courses.get_course(course))}

    @request
    def export(self, files, course=None) -> dict:
        """The learner's ``files`` (``[{exercise, code}]``) as one notebook and one Python
        file for ``course`` (``pynn.lab.export``): ``notebook`` (ipynb JSON text), ``python``
        and ``names`` (the file names to save them under)."""
        from pynn.lab.export import export_files   # its own module, loaded when asked for
        return export_files(files, course)

    @request
    def assignment_start(self, files, epochs=None, examples=None) -> dict:
        """Start the assignment's run: the notebook's loop with the learner's parts, each from
        its exercise's file in ``files`` (``[{exercise, code}]``) when that file defines it
        and passes its checks, pynn's otherwise; beside it pynn's reference run of the same
        recipe and seed. ``epochs`` (default 10), ``examples``: train on the first ones only
        (default all 8000). Answers ``parts`` (``whose``, ``model_line``, ``why_not``),
        ``recipe``, ``epochs``, ``n_batches`` and ``slice_ms`` (the budget of a slice)."""
        X_train, y_train, X_val, y_val, *_ = load_digits()   # first: a fetch costs no checks
        if examples is not None:
            X_train, y_train = X_train[:examples], y_train[:examples]
        epochs = assignment_slices.DEFAULT_EPOCHS if epochs is None else epochs
        parts = parts_from_files(files)
        self.run = PairedRun(parts, X_train, y_train, X_val, y_val, epochs=epochs)
        return {"parts": parts.to_dict(), "recipe": recipe_line(len(X_train)), "epochs": epochs,
                "n_batches": len(X_train) // assignment_slices.RECIPE["batch_size"],
                "slice_ms": SLICE_MS}

    @request
    def assignment_slice(self, budget_ms=SLICE_MS) -> dict:
        """Advance the learner's run and the reference in turns for about ``budget_ms``:
        ``events`` (the batches and epochs of both, each with ``whose``: "yours" or "pynn's",
        and ``at``, epochs trained), ``done``, then ``verdict`` (``{yours, pynns, points,
        text}``) or ``error`` (the learner's code failed: the run is over); with one of the
        learner's epochs, and with the verdict, ``report``: their network on the validation
        digits (``confusion``, ``confusion_percent``, ``n``, ``right``, ``epoch``, the first
        ``mistakes`` with ``mistakes_true``, ``mistakes_predicted`` and uint8 ``pictures`` of
        ``side``², ``n_mistakes``)."""
        if self.run is None:
            raise ValueError("no assignment run: send assignment_start first")
        return self.run.slice(budget_ms)

    @request(worker=True)
    def install_digits(self, data) -> dict:
        """Give pynn the bundled digits (``data``: the bytes of dist's ``data/digits.npz``),
        as the studio's request of the same name."""
        install_digits(data)
        return {}


LabBridge.REQUESTS = requests_of(LabBridge)


def _last_line(error: BaseException) -> str:
    try:
        return explain(error).splitlines()[-1]
    except BaseException:
        return type(error).__name__
