"""The workers' protocols, declared where they are implemented and described from the code.

A bridge (``pynn.studio.bridge.Studio``, ``pynn.lab.bridge.LabBridge``) marks each method
the page may call with ``@request``; that mark is the whole list of requests. A request's
arguments are its method's parameters, checked by name before it runs (``check_request``);
its documentation is its docstring. ``@request(run=True)`` marks the requests whose answers
always carry the training run's ``state`` and ``events`` (``pynn.studio.run.EVENTS``
declares every event's fields); ``@request(worker=True)`` the ones only the worker sends.

``python -m pynn.studio.protocol`` prints the one written description of both protocols,
made from those declarations; ``docs/PROTOCOL.md`` is its output (``--write`` updates it) and
``tests/test_protocol.py`` fails when the two differ, or when the page sends a request or
reads an event field that Python does not declare.
"""

from __future__ import annotations

import inspect
import reprlib
import sys
from dataclasses import dataclass
from pathlib import Path

_REPR = reprlib.Repr()   # (keyword arguments need Python 3.12)
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 40, 40


def short(value) -> str:
    """A short repr for messages, however big or deeply nested ``value`` is."""
    text = _REPR.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Request:
    """One declared request: its ``name`` (the method's), ``parameters`` (the method's,
    without ``self``), ``run`` (its answer carries the run's state and events), ``worker``
    (sent by the worker only, never by the page) and ``doc`` (the method's docstring)."""

    name: str
    parameters: dict
    run: bool
    worker: bool
    doc: str

    @property
    def summary(self) -> str:
        """The docstring's first sentence, on one line."""
        paragraph = " ".join(self.doc.split("\n\n")[0].split())
        end = paragraph.find(". ")
        return paragraph if end < 0 else paragraph[:end + 1]

    def signature(self) -> str:
        """``name {arg, arg=default}`` as the page sends it."""
        args = [name if p.default is inspect.Parameter.empty else f"{name}={p.default!r}"
                for name, p in self.parameters.items()]
        return f"{self.name} {{{', '.join(args)}}}" if args else self.name


def request(method=None, *, run: bool = False, worker: bool = False):
    """Mark a bridge method as a request: ``@request``, ``@request(run=True)``,
    ``@request(worker=True)``."""
    def mark(function):
        function.request = {"run": run, "worker": worker}
        return function
    return mark if method is None else mark(method)


def requests_of(cls) -> dict[str, Request]:
    """The requests ``cls`` declares with ``@request``, in the order they are defined."""
    found = {}
    for name, function in vars(cls).items():
        mark = getattr(function, "request", None)
        if isinstance(mark, dict) and callable(function):
            parameters = dict(inspect.signature(function).parameters)
            parameters.pop("self", None)
            found[name] = Request(name, parameters, mark["run"], mark["worker"],
                                  inspect.getdoc(function) or "")
    return found


def check_request(requests: dict[str, Request], arguments: dict, request) -> tuple[str, dict]:
    """``(name, keyword arguments)`` of ``request`` (``{"type": name, **args}``), each
    argument passed through ``arguments[its name](name, value)``; ``TypeError`` or
    ``ValueError`` naming the problem for a malformed request. An optional argument (default
    None) may be sent as None."""
    known = ", ".join(requests)
    if not isinstance(request, dict):
        raise TypeError(f"a request must be a dict with a 'type', got {short(request)}")
    if "type" not in request:
        raise ValueError(f"the request has no 'type' (one of {known})")
    kind = request["type"]
    if not isinstance(kind, str) or kind not in requests:
        raise ValueError(f"unknown request type {short(kind)} (known: {known})")
    parameters = requests[kind].parameters
    args = {}
    for key, value in request.items():
        if key == "type":
            continue
        if key not in parameters:
            raise TypeError(f"{kind} got an unexpected argument {short(key)}")
        optional = parameters[key].default is None
        args[key] = None if value is None and optional else arguments[key](key, value)
    missing = [name for name, p in parameters.items()
               if p.default is inspect.Parameter.empty and name not in args]
    if missing:
        raise TypeError(f"{kind} needs the argument(s) {', '.join(map(repr, missing))}")
    return kind, args


# -- the written description -----------------------------------------------------------------

DOC = Path("docs") / "PROTOCOL.md"
# The worker's own message while it boots (web/js/worker/worker.js posts it): its fields.
STATUS_FIELDS = ("phase", "progress", "message")

ENVELOPE = f"""\
Everything is plain data; binary values are `Uint8Array`s (in Python: `bytes`).

Page → worker: `{{id, type, ...arguments}}`, where `type` is one of the requests below and the
arguments are its own (any other argument is refused, naming it). An argument that is a
`File` or `Blob` is read into bytes by the worker, so the page never holds a copy.

Worker → page:

- `{{type: "reply", id, ok: true, ...answer}}`, or `{{type: "reply", id, ok: false, error}}`
  (one readable line; a failed request changed nothing);
- `{{type: "status", {", ".join(STATUS_FIELDS)}}}` while the studio's worker boots: phase
  `loading` (progress 0..1), then `ready` or `error`; the lab's worker says `{{type:
  "ready"}}` or `{{type: "failed", message}}` instead;
- the studio's events (below), relayed in order before the reply of the request that
  caused them, or as the worker's slices of a running run produce them.

A request that needs a file of the site answers `{{ok: false, fetch: {{file, what,
install}}}}` having changed nothing: the worker fetches `file` (a path in dist/), then sends
the `install` request with it as `data` (or, with no `install`, the same request again with
`data`), and asks again. While an answer's `state` is `running` the worker keeps sending
`train_slice`, and it sends `report` in pieces, answering the page between them; the
budgets of both are `defaults`' `limits`."""


def _requests_section(title: str, source: str, requests: dict[str, Request]) -> list[str]:
    lines = [f"## {title}", "", f"Declared with `@request` in `{source}`; the docstrings there "
             "are the reference.", ""]
    for item in requests.values():
        marks = [mark for mark, on in (("answer carries `state` and `events`", item.run),
                                       ("sent by the worker only", item.worker)) if on]
        note = f" *({'; '.join(marks)})*" if marks else ""
        lines.append(f"- `{item.signature()}`{note}: {item.summary}")
    return lines + [""]


def render() -> str:
    """The description of both protocols, as ``docs/PROTOCOL.md`` holds it."""
    from pynn.lab.bridge import LabBridge
    from pynn.studio.bridge import Studio
    from pynn.studio.run import EVENTS

    lines = ["# The workers' protocols", "",
             "<!-- Made by `python -m pynn.studio.protocol --write` from the code: edit the "
             "code, not this file. -->", "", ENVELOPE, ""]
    lines += _requests_section("The studio's requests (web/js/worker/worker.js)",
                               "pynn/studio/bridge.py", Studio.REQUESTS)
    lines += ["## The studio's events", "",
              "Declared in `pynn/studio/run.py` (`EVENTS`); every event has exactly these fields.", ""]
    for kind, fields in EVENTS.items():
        lines.append(f"- `{kind}`")
        lines += [f"  - `{name}`: {what}" for name, what in fields.items()]
    lines.append("")
    lines += _requests_section("The lab's requests (web/js/worker/lab-worker.js)",
                               "pynn/lab/bridge.py", LabBridge.REQUESTS)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if argv == ["--write"]:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC}")
    elif argv:
        print("usage: python -m pynn.studio.protocol [--write]   (run --write from the repository root)")
        return 2
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
