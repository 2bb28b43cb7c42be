"""The seam between the lab's web worker (``web/js/lab-worker.js``) and ``pynn.lab``.

The lab runs learner code in a worker of its own, which the page terminates when a check
runs too long or the learner presses Stop; the studio's worker never runs unchecked code.
Requests are plain dicts, answers too, and ``handle`` never raises::

    {"type": "exercises"}                          → {"ok": True, "exercises": [...]}
    {"type": "check", "exercise": "relu", "code": "..."}
                                                   → {"ok": True, "passed": bool, "results": [...]}
    {"type": "solution", "exercise": "relu"}       → {"ok": True, "solution": "..." or None}

Each result is ``{"name", "passed", "detail", "hint"}``. A malformed request gets
``{"ok": False, "error": "<one line>"}``. Whatever the learner's code raises (``SystemExit``
and ``KeyboardInterrupt`` included) is a failed check in the report; anything else that gets
out of the checker is ``{"ok": False, "error": ...}`` too, never an exception.
"""

from __future__ import annotations

import pynn.lab
from pynn.lab.runner import explain

MAX_CODE_CHARS = 200_000


def _text(request: dict, key: str, limit: int = 200) -> str:
    value = request.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string, got {type(value).__name__}")
    if len(value) > limit:
        raise ValueError(f"{key} is longer than {limit:,} characters")
    return value


class LabBridge:
    """What the lab worker calls; keeps nothing between requests."""

    def handle(self, request) -> dict:
        try:
            if not isinstance(request, dict):
                raise ValueError(f"a request must be a dict, got {type(request).__name__}")
            kind = request.get("type")
            if kind == "exercises":
                return {"ok": True, "exercises": [e.to_dict() for e in pynn.lab.all_exercises().values()]}
            exercise = pynn.lab.get(_text(request, "exercise"))
            if kind == "check":
                report = exercise.check(_text(request, "code", MAX_CODE_CHARS))
                return {"ok": True, **report.to_dict()}
            if kind == "solution":
                return {"ok": True, "solution": exercise.solution}
            raise ValueError(f"unknown request type {kind!r}: exercises, check or solution")
        except (ValueError, TypeError) as error:
            return {"ok": False, "error": str(error)}
        except MemoryError:
            return {"ok": False, "error": "out of memory: the lab restarts its Python"}
        except BaseException as error:  # the checker's own failure: say what, never raise
            return {"ok": False, "error": f"the check stopped: {_last_line(error)}"}


def _last_line(error: BaseException) -> str:
    try:
        return explain(error).splitlines()[-1]
    except BaseException:
        return type(error).__name__
