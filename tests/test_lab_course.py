"""Courses and the teacher's settings: a course lists which exercises a class gets, in which
order, and may replace the exercises' settings; Python enforces them (a solution that is never
shown is never sent)."""

import dataclasses
import re
import sys
import types

import pytest

import pynn.lab
from pynn.lab import courses
from pynn.lab.bridge import LabBridge
from pynn.lab.courses import KEEP, Course

WRONG_RELU = pynn.lab.get("relu").solution.replace("return grad_output * (input > 0)", "return grad_output")


def test_the_layers_course_lists_its_exercises_in_its_order_with_its_settings():
    answer = LabBridge().handle({"type": "exercises", "course": "layers"})
    assert answer["ok"], answer
    assert [e["id"] for e in answer["exercises"]] == ["relu", "dense", "softmax", "own_layer"]
    assert answer["course"]["id"] == "layers" and answer["course"]["title"] and answer["course"]["note"]
    assert {"id": "layers", "title": answer["course"]["title"]} in answer["courses"]
    assert all(e["solution_after"] is None for e in answer["exercises"])   # the course says never
    assert all(e["hints"] is True for e in answer["exercises"])


def test_without_a_course_every_exercise_comes_with_its_own_settings():
    answer = LabBridge().handle({"type": "exercises"})
    assert [e["id"] for e in answer["exercises"]] == list(pynn.lab.all_exercises())
    assert answer["course"] is None and answer["courses"]
    shown = {e["id"]: e for e in answer["exercises"]}
    assert shown["relu"]["solution_after"] == 3 and shown["relu"]["hints"] is True
    assert shown["own_layer"]["solution_after"] is None   # no one answer: nothing to show
    assert all(e["shapes"] and all(isinstance(line, str) for line in e["shapes"]) for e in shown.values())
    assert "show_solution_after" not in shown["relu"]


def test_an_unknown_course_is_named_with_the_courses_there_are():
    answer = LabBridge().handle({"type": "exercises", "course": "nope"})
    assert answer == {"ok": False, "error": f"no course 'nope': the courses are {', '.join(courses.all_courses())}"}
    assert not LabBridge().handle({"type": "solution", "exercise": "relu", "failures": 9, "course": "nope"})["ok"]


def test_the_solution_is_sent_only_once_the_settings_allow_it():
    bridge = LabBridge()

    def solution(**args):
        answer = bridge.handle({"type": "solution", "exercise": "relu", **args})
        assert answer["ok"], answer
        return answer["solution"]

    assert solution(failures=2) is None
    assert "np.maximum" in solution(failures=3)
    assert solution(failures=1000, course="layers") is None   # never, whatever the page counts
    assert bridge.handle({"type": "solution", "exercise": "own_layer", "failures": 99}) == {"ok": True, "solution": None}
    for bad in ({"type": "solution", "exercise": "relu"}, {"type": "solution", "exercise": "relu", "failures": -1},
                {"type": "solution", "exercise": "relu", "failures": 2.5}):
        assert bridge.handle(bad)["ok"] is False, bad


def test_a_courses_settings_replace_the_exercises_and_never_means_never():
    relu = pynn.lab.get("relu")
    strict = Course("strict", "Strict", ("relu",), solution_after=None, hints=False)
    generous = Course("generous", "Generous", ("relu",), solution_after=0)
    assert courses.settings(relu, None) == (3, True)
    assert courses.settings(relu, strict) == (None, False)
    assert courses.settings(relu, generous) == (0, True)
    assert relu.solution_for(0, generous) == relu.solution and relu.solution_for(10**6, strict) is None
    quiet = dataclasses.replace(relu, hints=False, solution_after=None)
    assert courses.settings(quiet, Course("c", "C", ("relu",))) == (None, False)   # KEEP: its own


def test_hints_off_leaves_every_result_without_hints_but_keeps_the_where_line():
    relu = pynn.lab.get("relu")
    with_hints = relu.check(WRONG_RELU)
    without = dataclasses.replace(relu, hints=False).check(WRONG_RELU)
    assert [r.name for r in with_hints.results] == [r.name for r in without.results]
    assert any(r.hints for r in with_hints.results) and not any(r.hints for r in without.results)
    assert [r.where for r in with_hints.results] == [r.where for r in without.results]


def test_the_check_request_follows_the_courses_hints(monkeypatch):
    quiet = Course("quiet", "Quiet", ("relu",), hints=False)
    monkeypatch.setitem(courses.all_courses(), "quiet", quiet)
    bridge = LabBridge()
    loud = bridge.handle({"type": "check", "exercise": "relu", "code": WRONG_RELU})
    hushed = bridge.handle({"type": "check", "exercise": "relu", "code": WRONG_RELU, "course": "quiet"})
    assert any(r["hints"] for r in loud["results"]) and not any(r["hints"] for r in hushed["results"])


def course_module(**attributes) -> types.ModuleType:
    module = types.ModuleType("pynn.lab.courses.mine")
    module.__dict__.update(attributes)
    return module


def test_a_course_file_is_checked_when_it_is_read():
    known = pynn.lab.all_exercises()
    course = courses.from_module(course_module(TITLE="Mine", EXERCISES=["dense", "relu"], HINTS=False), known)
    assert (course.id, course.exercises, course.hints, course.solution_after) == ("mine", ("dense", "relu"), False, KEEP)
    assert courses.from_module(course_module(TITLE="M", EXERCISES=["relu"], SHOW_SOLUTION_AFTER=None),
                               known).solution_after is None
    for attributes, words in (({"EXERCISES": ["relu"]}, "lacks TITLE"),
                              ({"TITLE": "M", "EXERCISES": ["relu", "conv"]}, "names no exercise 'conv'"),
                              ({"TITLE": "M", "EXERCISES": []}, "each exercise once"),
                              ({"TITLE": "M", "EXERCISES": ["relu"], "SHOW_SOLUTION_AFTER": "later"},
                               "SHOW_SOLUTION_AFTER must be"),
                              ({"TITLE": "M", "EXERCISES": ["relu"], "HINTS": "yes"}, "HINTS must be")):
        with pytest.raises(ValueError, match=re.escape(words)):
            courses.from_module(course_module(**attributes), known)


def test_the_export_request_hands_the_files_and_the_course_to_pynn_lab_export(monkeypatch):
    calls = []

    def export_files(files, course):
        calls.append((files, course))
        return {"notebook": "{}", "python": "# code", "names": {"notebook": "a.ipynb", "python": "a.py"}}

    monkeypatch.setitem(sys.modules, "pynn.lab.export", types.SimpleNamespace(export_files=export_files))
    answer = LabBridge().handle({"type": "export", "course": "layers",
                                 "files": [{"exercise": "relu", "code": "x = 1"}]})
    assert answer == {"ok": True, "notebook": "{}", "python": "# code",
                      "names": {"notebook": "a.ipynb", "python": "a.py"}}
    assert calls == [({"relu": "x = 1"}, "layers")]


def test_the_command_line_lists_a_courses_exercises_in_its_order(capsys):
    from pynn.cli import main

    assert main(["lab", "list", "--course", "layers"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(courses.get_course("layers").title)
    assert [line.split()[0] for line in lines[1:]] == ["relu", "dense", "softmax", "own_layer"]
    assert main(["lab", "list", "--course", "nope"]) != 0
    assert "no course 'nope': the courses are" in capsys.readouterr().err
