"""devtools/server.py: MIME types, gzip, no caching, no listings; on a temp dir, port 0."""

import gzip
import http.client
import os

import pytest

from devtools.server import accepts_gzip, serve

WASM = b"\0asm\1\0\0\0" + bytes(range(256)) * 400         # compressible, like the real one
NPZ = os.urandom(4096)                                       # incompressible, like a zip


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "pyodide").mkdir()
    (root / "pyodide" / "pyodide.asm.wasm").write_bytes(WASM)
    (root / "pyodide" / "pyodide.mjs").write_text("export const x = 1;\n" * 50)
    (root / "index.html").write_text("<!doctype html><title>t</title>\n")
    (root / "style.css").write_text("body { color: black; }\n" * 50)
    (root / "model.npz").write_bytes(NPZ)
    (root / "numpy.whl").write_bytes(NPZ)
    server, url = serve(root, port=0, quiet=True)
    yield server
    server.shutdown()
    server.server_close()


def request(server, path, method="GET", gzip_ok=False):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    headers = {"Accept-Encoding": "gzip, deflate, br"} if gzip_ok else {}
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_wasm_is_application_wasm_and_gzipped_when_accepted(site):
    response, body = request(site, "/pyodide/pyodide.asm.wasm", gzip_ok=True)
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/wasm"
    assert response.getheader("Content-Encoding") == "gzip"
    assert int(response.getheader("Content-Length")) == len(body) < len(WASM) / 2
    assert gzip.decompress(body) == WASM


def test_no_gzip_unless_asked(site):
    response, body = request(site, "/pyodide/pyodide.asm.wasm")
    assert response.getheader("Content-Encoding") is None
    assert body == WASM


def test_head_reports_the_bytes_a_get_would_send(site):
    head, body = request(site, "/pyodide/pyodide.asm.wasm", method="HEAD", gzip_ok=True)
    get, _ = request(site, "/pyodide/pyodide.asm.wasm", gzip_ok=True)
    assert body == b""
    assert head.getheader("Content-Length") == get.getheader("Content-Length")
    assert head.getheader("Content-Encoding") == "gzip"


@pytest.mark.parametrize("path, mime", [
    ("/pyodide/pyodide.mjs", "text/javascript"),
    ("/style.css", "text/css"),
    ("/model.npz", "application/octet-stream"),
    ("/numpy.whl", "application/octet-stream"),
    ("/", "text/html; charset=utf-8"),
])
def test_mime_types(site, path, mime):
    response, _ = request(site, path, gzip_ok=True)
    assert response.status == 200
    assert response.getheader("Content-Type") == mime


def test_incompressible_files_are_sent_as_they_are(site):
    response, body = request(site, "/model.npz", gzip_ok=True)
    assert response.getheader("Content-Encoding") is None and body == NPZ


def test_every_load_is_a_cold_load(site):
    response, _ = request(site, "/pyodide/pyodide.mjs")
    assert response.getheader("Cache-Control") == "no-store"
    assert response.getheader("Last-Modified") is None and response.getheader("ETag") is None


def test_max_age_lets_the_browser_keep_files_for_that_long(tmp_path):
    (tmp_path / "pyodide.asm.wasm").write_bytes(WASM)
    server, _ = serve(tmp_path, port=0, quiet=True, warm=False, max_age=3600)   # as the page tests'
    try:
        response, _ = request(server, "/pyodide.asm.wasm")
    finally:
        server.shutdown()
        server.server_close()
    assert response.getheader("Cache-Control") == "max-age=3600"


def test_directories_redirect_or_404_but_never_list(site):
    response, _ = request(site, "/pyodide")
    assert response.status == 301 and response.getheader("Location") == "/pyodide/"
    response, body = request(site, "/pyodide/")
    assert response.status == 404 and b"pyodide.mjs" not in body


def test_paths_cannot_escape_the_directory(site):
    response, _ = request(site, "/../../../../etc/passwd")
    assert response.status == 404


@pytest.mark.parametrize("header, expected", [
    ("gzip", True), ("deflate, gzip;q=0.5", True), ("br", False), ("gzip;q=0", False),
    ("GZIP", True), (None, False), ("gzip;q=oops", False),
])
def test_accepts_gzip(header, expected):
    assert accepts_gzip(header) is expected


def test_busy_port_is_an_oserror(site):
    with pytest.raises(OSError):
        serve(site.RequestHandlerClass.keywords["directory"], port=site.server_address[1])
