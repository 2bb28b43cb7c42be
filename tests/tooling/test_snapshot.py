"""devtools/snapshot.py without Node: what snapshot.json records, the cache key, reusing a
cached snapshot, the version pin, and the errors for a bad result from snapshot.mjs."""

import gzip
import json
import os

import pytest

from devtools import BuildError, sha256_bytes
from devtools import snapshot

LOCK = {"info": {"version": "0.27.7"},
        "packages": {"pynn": {"sha256": "b" * 64, "file_name": "pynn.whl"},
                     "numpy": {"sha256": "a" * 64, "file_name": "numpy.whl"}}}
RESULT = {"version": "0.27.7", "bytes": 64, "preimported": ["json", "pickle"], "seconds": 1.0}


def fake_stage(tmp_path, lock=LOCK):
    pyodide = tmp_path / "stage" / "pyodide"
    pyodide.mkdir(parents=True)
    (pyodide / "pyodide-lock.json").write_text(json.dumps(lock))
    for name in snapshot.CORE_INPUTS:
        (pyodide / name).write_bytes(name.encode())
    return tmp_path / "stage"


def test_lock_packages_are_every_package_with_its_sha256_in_name_order():
    assert list(snapshot.lock_packages(LOCK).items()) == [("numpy", "a" * 64), ("pynn", "b" * 64)]


def test_the_cache_key_changes_with_each_input_and_not_with_dict_order():
    core, packages = {"pyodide.mjs": "1", "python_stdlib.zip": "2"}, {"numpy": "3"}
    key = snapshot.cache_key(core, packages, "script")
    assert key == snapshot.cache_key(dict(reversed(core.items())), packages, "script")
    assert len({key, snapshot.cache_key({**core, "python_stdlib.zip": "x"}, packages, "script"),
                snapshot.cache_key(core, {"numpy": "x"}, "script"),
                snapshot.cache_key(core, packages, "other script")}) == 4


def test_describe_records_what_the_page_checks():
    info = snapshot.describe("0.27.7", "c" * 64, 40, RESULT, {"pyodide.mjs": "d" * 64}, {"numpy": "a" * 64})
    assert info == {"pyodide_version": "0.27.7", "file": "snapshot.bin.gz", "sha256": "c" * 64,
                    "bytes": 64, "gzip_bytes": 40, "made_from": {"pyodide.mjs": "d" * 64},
                    "packages": {"numpy": "a" * 64}, "preimported": ["json", "pickle"]}


def test_describe_refuses_a_result_from_another_pyodide():
    with pytest.raises(BuildError, match="ran Pyodide '0.27.6', but stage/pyodide is 0.27.7"):
        snapshot.describe("0.27.7", "c" * 64, 40, {**RESULT, "version": "0.27.6"}, {}, {})


def test_the_cache_keeps_only_the_newest_snapshots(tmp_path):
    for age, name in enumerate(["newest", "newer", "older", "oldest"]):
        for suffix in (".gz", ".json"):
            (tmp_path / f"{name}{suffix}").write_text(name)
            os.utime(tmp_path / f"{name}{suffix}", ns=(10**18 - age * 10**9,) * 2)
    snapshot.prune_cache(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newer.gz", "newer.json", "newest.gz", "newest.json"]


def test_the_node_result_is_the_last_json_line():
    assert snapshot.parse_node_output("Loading numpy\n" + json.dumps(RESULT) + "\n\n") == RESULT


@pytest.mark.parametrize("stdout, message", [
    ("", "printed no result line: \\(no output\\)"),
    ("RangeError: offset is out of bounds\n", "printed no result line: RangeError: offset is out of bounds"),
    ('{"version": "0.27.7"}', "result lacks bytes, preimported"),
])
def test_a_bad_node_result_is_a_one_line_build_error(stdout, message):
    with pytest.raises(BuildError, match=message):
        snapshot.parse_node_output(stdout)


def test_another_pyodide_builds_without_a_snapshot_and_says_why(tmp_path):
    stage = fake_stage(tmp_path, {**LOCK, "info": {"version": "0.28.0"}})
    detail = snapshot.make_snapshot(stage)
    assert detail.startswith("none: Pyodide 0.28.0 is not 0.27.7")
    assert not (stage / "pyodide" / snapshot.INFO_FILE).exists()


def test_an_unchanged_build_reuses_the_cached_snapshot(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(snapshot, "_run_node", lambda *args: pytest.fail("Node ran for a cached snapshot"))
    stage = fake_stage(tmp_path)
    made_from = {name: sha256_bytes(name.encode()) for name in snapshot.CORE_INPUTS}
    key = snapshot.cache_key(made_from, snapshot.lock_packages(LOCK), snapshot.sha256_file(snapshot.SCRIPT))
    cached = tmp_path / "cache" / "snapshot" / f"{key[:24]}.gz"
    cached.parent.mkdir(parents=True)
    packed = gzip.compress(bytes(64), mtime=0)
    cached.write_bytes(packed)
    cached.with_suffix(".json").write_text(json.dumps(RESULT))

    detail = snapshot.make_snapshot(stage)

    assert "cached" in detail and "2 stdlib modules imported in it" in detail
    assert (stage / "pyodide" / "snapshot.bin.gz").read_bytes() == packed
    info = json.loads((stage / "pyodide" / "snapshot.json").read_text())
    assert info["sha256"] == sha256_bytes(packed) and info["gzip_bytes"] == len(packed)
    assert info["made_from"] == made_from and info["packages"] == snapshot.lock_packages(LOCK)
