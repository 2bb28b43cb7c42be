"""The service worker's part of dist/: sw.js with a manifest of every file and its sha256.

The build's last step (devtools/dist.py) calls ``write_offline_files(stage)``: it hashes every
file of the finished dist, and writes dist/sw.js from web/sw.js with that manifest in place of
the template's empty one. Any change to dist/ changes sw.js, which is how a browser learns
that there is a new build (it compares sw.js byte for byte on every visit); the worker then
downloads only the files whose hash it has not cached. Design: docs/OFFLINE.md.

Run it again on a copy of dist after changing a file there (what tests/web/test_offline.py
does) and that copy has a new build as far as browsers are concerned.
"""

import json
import re
from pathlib import Path

from devtools import ROOT, BuildError, sha256_bytes, sha256_file

SW_TEMPLATE = ROOT / "web" / "sw.js"
SW_NAME = "sw.js"
# The template's placeholder line; the whole line is replaced.
MANIFEST_LINE = re.compile(r"^const MANIFEST = .*$", re.MULTILINE)


def manifest(directory: Path) -> dict:
    """{"version": ..., "files": {path: sha256}} for every file under `directory` but sw.js.
    The version is a hash of the file list and hashes: it changes with any file."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BuildError(f"{directory} is not a directory: build dist/ first")
    files = {path.relative_to(directory).as_posix(): sha256_file(path)
             for path in sorted(directory.rglob("*")) if path.is_file()}
    files.pop(SW_NAME, None)
    if "index.html" not in files:
        raise BuildError(f"{directory} has no index.html: there is no page for a service worker to serve")
    listing = "".join(f"{path} {digest}\n" for path, digest in files.items())
    return {"version": sha256_bytes(listing.encode())[:16], "files": files}


def write_offline_files(stage: Path) -> str:
    """Write stage/sw.js (web/sw.js with the manifest of `stage`); return a log detail."""
    template = SW_TEMPLATE.read_text()
    if len(MANIFEST_LINE.findall(template)) != 1:
        raise BuildError(f"{SW_TEMPLATE} needs exactly one line starting `const MANIFEST = ` "
                         "for devtools/offline.py to fill in")
    found = manifest(stage)
    line = f"const MANIFEST = {json.dumps(found, indent=None, separators=(',', ':'))};"
    (Path(stage) / SW_NAME).write_text(MANIFEST_LINE.sub(lambda _: line, template))
    size = sum((Path(stage) / path).stat().st_size for path in found["files"]) / 1e6
    return f"{SW_NAME}: version {found['version']}, {len(found['files'])} files ({size:.1f} MB) to cache"
