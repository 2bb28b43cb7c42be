"""The seam between the lab's web worker (``web/js/worker/lab-worker.js``) and ``pynn.lab``.

The lab runs learner code in a worker of its own, which the page terminates when a check
runs too long or the learner presses Stop; the studio's worker never runs unchecked code.
Requests are plain dicts, answers too, and ``handle`` never raises::

    {"type": "exercises"}                          → {"ok": True, "exercises": [...], "max_code_chars": 200000}
    {"type": "check", "exercise": "relu", "code": "..."}
                                                   → {"ok": True, "passed": bool, "results": [...]}
    {"type": "solution", "exercise": "relu"}       → {"ok": True, "solution": "..." or None}

The requests are the methods marked ``@request`` (``pynn.studio.protocol``, the studio's
way too): their parameters are the arguments, checked by name before anything runs. Each
result is ``{"name", "passed", "detail", "hint"}``. A malformed request gets ``{"ok": False,
"error": "<one line>"}``. Whatever the learner's code raises (``SystemExit`` and
``KeyboardInterrupt`` included) is a failed check in the report; anything else that gets
out of the checker is ``{"ok": False, "error": ...}`` too, never an exception.
"""

from __future__ import annotations

import pynn.lab
from pynn.lab.runner import explain
from pynn.studio.protocol import check_request, request, requests_of

MAX_CODE_CHARS = 200_000   # characters of a learner's file: the lab's checks, uploads, the studio's use_lab_layers
MAX_ID_CHARS = 200


def _text(name: str, value, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {type(value).__name__}")
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit:,} characters")
    return value


ARGUMENTS = {"exercise": lambda name, value: _text(name, value, MAX_ID_CHARS),
             "code": lambda name, value: _text(name, value, MAX_CODE_CHARS)}


class LabBridge:
    """What the lab worker calls; keeps nothing between requests."""

    REQUESTS: dict = {}   # filled from the @request marks below the class

    def handle(self, request) -> dict:
        try:
            kind, args = check_request(self.REQUESTS, ARGUMENTS, request)
            return {"ok": True, **getattr(self, kind)(**args)}
        except (ValueError, TypeError) as error:
            return {"ok": False, "error": str(error)}
        except MemoryError:
            return {"ok": False, "error": "out of memory: the lab restarts its Python"}
        except BaseException as error:  # the checker's own failure: say what, never raise
            return {"ok": False, "error": f"the check stopped: {_last_line(error)}"}

    @request
    def exercises(self) -> dict:
        """The exercises, in order: ``exercises`` (each exercise's ``to_dict()``: id, title,
        statement, starter, trainable...), and ``max_code_chars``, the longest file a check
        takes (the page refuses longer uploads with this figure)."""
        return {"exercises": [e.to_dict() for e in pynn.lab.all_exercises().values()],
                "max_code_chars": MAX_CODE_CHARS}

    @request
    def check(self, exercise, code) -> dict:
        """Run ``exercise``'s checks on the learner's ``code``: ``passed`` and ``results``
        (each ``{name, passed, detail, hint}``)."""
        return pynn.lab.get(exercise).check(code).to_dict()

    @request
    def solution(self, exercise) -> dict:
        """``solution``: a correct answer to ``exercise`` (None if it has none)."""
        return {"solution": pynn.lab.get(exercise).solution}


LabBridge.REQUESTS = requests_of(LabBridge)


def _last_line(error: BaseException) -> str:
    try:
        return explain(error).splitlines()[-1]
    except BaseException:
        return type(error).__name__
