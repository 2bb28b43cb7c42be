"""One protocol: the requests are the bridges' @request methods, the events are run.EVENTS,
the written description (docs/PROTOCOL.md) is made from them, and the page (web/js) sends
no request and reads no event field that Python does not declare."""

import re
from pathlib import Path

import pytest

from pynn.lab.bridge import LabBridge
from pynn.studio import protocol
from pynn.studio.bridge import ARGUMENTS, RUN_REQUESTS, Studio
from pynn.studio.files import DIGITS, PRETRAINED
from pynn.studio.run import EVENTS

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "web" / "js"
WORKER_SIDE = JS / "worker"
web_only = pytest.mark.native_only(reason="reads web/ and docs/, which the Pyodide test run has not")


def test_requests_are_the_marked_methods_and_run_requests_are_derived_from_them():
    assert list(Studio.REQUESTS) == [name for name, f in vars(Studio).items() if hasattr(f, "request")]
    assert RUN_REQUESTS == tuple(name for name, r in Studio.REQUESTS.items() if r.run)
    assert {"train", "train_slice", "reset", "load_model", "use_lab_layers"} <= set(RUN_REQUESTS)
    for bridge in (Studio, LabBridge):
        for name, declared in bridge.REQUESTS.items():
            assert declared.summary, f"{bridge.__name__}.{name} needs a docstring"
    # every argument of every studio request has its check
    assert all(arg in ARGUMENTS for r in Studio.REQUESTS.values() for arg in r.parameters)


def test_a_request_declared_with_the_decorator_is_dispatched_and_checked():
    class Echo:
        @protocol.request
        def echo(self, word, times=None):
            """Say it back."""
            return {"said": word * (times or 1)}

        def helper(self):
            return {}

    requests = protocol.requests_of(Echo)
    arguments = {"word": lambda name, v: str(v), "times": lambda name, v: int(v)}
    assert list(requests) == ["echo"] and requests["echo"].signature() == "echo {word, times=None}"
    assert protocol.check_request(requests, arguments, {"type": "echo", "word": "a", "times": 2}) == \
        ("echo", {"word": "a", "times": 2})
    for bad, words in (({"type": "helper"}, "unknown request type 'helper'"),
                       ({"type": "echo"}, "needs the argument(s) 'word'"),
                       ({"type": "echo", "word": "a", "loud": 1}, "unexpected argument 'loud'")):
        with pytest.raises((TypeError, ValueError), match=re.escape(words)):
            protocol.check_request(requests, arguments, bad)


def test_every_event_the_run_emits_has_exactly_its_declared_fields(digits):
    studio = Studio()
    studio.session._data = digits
    answers = [studio.handle({"type": "reset", "config": {"hidden": "16", "epochs": 2, "batch_size": 512}})]
    answers += [studio.handle({"type": kind}) for kind in ("train", "pause", "resume", "step")]
    answers += [studio.handle({"type": "train_slice", "budget_ms": 10_000}) for _ in range(3)]
    answers += [studio.handle({"type": kind}) for kind in ("train", "stop", "train")]
    answers.append(studio.handle({"type": "use_digits"}))   # replaced
    seen = set()
    for answer in answers:
        assert answer["ok"], answer
        for event in answer["events"]:
            assert set(event) - {"type"} == set(EVENTS[event["type"]]), event
            seen.add(event["type"])
    assert seen == set(EVENTS)


def test_the_answer_that_asks_for_a_file_names_a_file_and_a_known_request():
    answer = Studio().handle({"type": "load_pretrained", "which": "cnn"})
    assert answer == {"ok": False, "error": answer["error"],
                      "fetch": {"file": PRETRAINED["cnn"].file, "what": PRETRAINED["cnn"].what, "install": None}}
    assert Studio().handle({"type": "load_pretrained"})["fetch"]["file"] == next(iter(PRETRAINED.values())).file
    assert "install_digits" in Studio.REQUESTS and DIGITS.file.endswith(".npz")
    assert not Studio().handle({"type": "load_pretrained", "which": "gpt"})["ok"]


@web_only
def test_the_written_description_is_made_from_the_code():
    written = (ROOT / protocol.DOC).read_text(encoding="utf-8")
    assert written == protocol.render(), ("docs/PROTOCOL.md is stale: run "
                                          "`python -m pynn.studio.protocol --write`")


def js_files(folder: Path = JS) -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted(folder.rglob("*.js"))}


@web_only
def test_the_page_sends_only_requests_python_declares():
    declared = {"worker": {name for name, r in Studio.REQUESTS.items() if not r.worker},   # the page's
                "runner": set(LabBridge.REQUESTS), "call": set(Studio.REQUESTS)}          # the lab's; the worker's
    sent = {target: set() for target in declared}
    for path, text in js_files().items():
        if path.name in ("worker-client.js", "lab-runner.js"):
            continue   # the clients themselves pass any request on
        for target, name in re.findall(r"(\w+)\.request\(\s*\"(\w+)\"", text):
            assert target in declared, f"{path.name}: requests go through `worker` or `runner`, not {target!r}"
            sent[target].add(name)
        assert not re.findall(r"\.request\(\s*[^\"\s]", text), (
            f"{path.name}: name each request as a string literal, so that it can be checked")
        if path.parent == WORKER_SIDE:   # the worker's own calls of its bridge
            sent["call"].update(re.findall(r"call\(\{\s*type:\s*\"(\w+)\"", text))
    assert all(sent.values()), f"the scan found no requests for some client: {sent}"
    for target, names in sent.items():
        assert names <= declared[target], f"{target} sends {sorted(names - declared[target])}, which Python does not declare"


@web_only
def test_the_page_reads_only_event_fields_python_sends():
    sent = {kind: set(fields) for kind, fields in EVENTS.items()}
    sent["status"] = set(protocol.STATUS_FIELDS)
    handlers = 0
    for path, text in js_files().items():
        for kind, params in re.findall(r"\.on\(\s*\"(\w+)\",\s*(?:async\s*)?\(([^)]*)\)\s*=>", text):
            handlers += 1
            assert kind in sent, f"{path.name} listens for {kind!r}, which no one sends"
            assert params.strip().startswith("{"), (
                f"{path.name}: name the fields of {kind!r} you read ({{ a, b }}), so that they can be checked")
            fields = {part.split(":")[0].strip() for part in params.strip()[1:-1].split(",") if part.strip()}
            assert fields <= sent[kind], f"{path.name} reads {sorted(fields - sent[kind])} of {kind!r}"
    assert handlers >= 4, "the scan found too few event handlers: has the page's JS moved?"
