"""devtools/offline.py: dist/sw.js carries a manifest of every file with its sha256, and any
change to dist gives a new sw.js (how browsers learn of a new build)."""

import hashlib
import json
import re

import pytest

from devtools import BuildError, offline


def site(tmp_path):
    (tmp_path / "js").mkdir(parents=True)
    (tmp_path / "index.html").write_text("<!doctype html><title>studio</title>")
    (tmp_path / "js" / "main.js").write_text("export {};")
    (tmp_path / "sw.js").write_text("// the previous build's worker")
    return tmp_path


def baked_manifest(directory) -> dict:
    line = re.search(r"^const MANIFEST = (.*);$", (directory / "sw.js").read_text(), re.MULTILINE)
    return json.loads(line.group(1))


def test_sw_js_lists_every_file_but_itself_with_its_sha256(tmp_path):
    directory = site(tmp_path)
    detail = offline.write_offline_files(directory)
    manifest = baked_manifest(directory)
    assert manifest["files"] == {
        "index.html": hashlib.sha256(b"<!doctype html><title>studio</title>").hexdigest(),
        "js/main.js": hashlib.sha256(b"export {};").hexdigest(),
    }
    assert manifest == offline.manifest(directory)
    assert "2 files" in detail and manifest["version"] in detail
    assert 'self.addEventListener("fetch"' in (directory / "sw.js").read_text()   # the template's code


def test_a_changed_file_changes_sw_js_and_running_again_on_the_same_files_does_not(tmp_path):
    directory = site(tmp_path)
    offline.write_offline_files(directory)
    first = (directory / "sw.js").read_bytes()
    offline.write_offline_files(directory)               # sw.js itself is not in the manifest
    assert (directory / "sw.js").read_bytes() == first
    (directory / "js" / "main.js").write_text("export const changed = 1;")
    offline.write_offline_files(directory)
    assert (directory / "sw.js").read_bytes() != first
    assert baked_manifest(directory)["files"]["js/main.js"] == hashlib.sha256(b"export const changed = 1;").hexdigest()


def test_a_folder_without_a_page_is_refused(tmp_path):
    (tmp_path / "style.css").write_text("")
    with pytest.raises(BuildError, match="has no index.html"):
        offline.write_offline_files(tmp_path)
    with pytest.raises(BuildError, match="is not a directory"):
        offline.write_offline_files(tmp_path / "missing")


def test_a_template_without_the_manifest_line_is_refused(tmp_path, monkeypatch):
    template = tmp_path / "template.js"
    template.write_text("// no manifest here\n")
    monkeypatch.setattr(offline, "SW_TEMPLATE", template)
    with pytest.raises(BuildError, match="exactly one line starting `const MANIFEST = `"):
        offline.write_offline_files(site(tmp_path / "site"))
