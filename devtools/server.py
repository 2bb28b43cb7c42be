"""A small threaded static server for dist/: right MIME types, gzip, no caching.

Used by `python3 build.py serve` and by the Playwright fixtures:

    server, url = serve(DIST, port=0, quiet=True)     # port 0 = any free port
    ...                                               # url is "http://127.0.0.1:<port>/"
    server.shutdown(); server.server_close()

- gzip: when the request accepts it and it saves at least 10% (pyodide.asm.wasm: 10 MB -> ~3 MB).
  Compressed bytes are cached in memory per file (and its mtime, size), shared by all servers in
  the process, and computed for every file right after start (`warm`).
- `Cache-Control: no-store` and no Last-Modified/ETag: every load is a cold load, so page-load
  measurements are honest and edits to dist/ show up on reload. `serve(..., max_age=N)` says
  `max-age=N` instead, for a dist/ that does not change while it is served (the page tests):
  the browser then keeps each file, and Chromium the code it compiled from pyodide.asm.wasm,
  for the pages that follow.
- No directory listings; a directory serves its index.html.
"""

import gzip
import io
import os
import socket
import sys
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".whl": "application/octet-stream",
    ".zip": "application/octet-stream",
    ".npz": "application/octet-stream",
    ".csv": "text/csv",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
GZIP_LEVEL = 6
GZIP_MIN_SAVING = 0.10

_gzip_cache: dict[str, tuple[tuple[int, int], bytes | None]] = {}   # path -> ((mtime, size), gzip)
_gzip_lock = threading.Lock()


def gzip_if_worth_it(data: bytes) -> bytes | None:
    """gzip `data` (deterministically: mtime=0), or None if that saves under 10%."""
    packed = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    return packed if len(packed) <= (1 - GZIP_MIN_SAVING) * len(data) else None


def _cached_gzip(path: str, data: bytes) -> bytes | None:
    path = os.path.abspath(path)
    stat = os.stat(path)
    version = (stat.st_mtime_ns, stat.st_size)
    with _gzip_lock:
        cached = _gzip_cache.get(path)
    if cached and cached[0] == version:
        return cached[1]
    packed = gzip_if_worth_it(data)          # outside the lock: other files keep being served
    with _gzip_lock:
        _gzip_cache[path] = (version, packed)
    return packed


def accepts_gzip(header: str | None) -> bool:
    """True if an Accept-Encoding header allows gzip (and does not say gzip;q=0)."""
    for item in (header or "").split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() == "gzip":
            q = params.replace(" ", "").lower()
            try:
                return float(q[2:]) > 0 if q.startswith("q=") else True
            except ValueError:
                return False
    return False


class StaticHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"           # keep-alive: a page load makes ~20 requests
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            url = urlsplit(self.path)
            if not url.path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", url._replace(path=url.path + "/").geturl())
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            path = os.path.join(path, "index.html")
        if not os.path.isfile(path):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        with open(path, "rb") as f:
            body = f.read()
        packed = _cached_gzip(path, body) if accepts_gzip(self.headers.get("Accept-Encoding")) else None
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Length", str(len(packed if packed is not None else body)))
        if packed is not None:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        max_age = self.server.max_age
        self.send_header("Cache-Control", f"max-age={max_age}" if max_age else "no-store")
        self.end_headers()
        return io.BytesIO(packed if packed is not None else body)

    def log_message(self, format, *args):
        if not getattr(self.server, "quiet", False):
            super().log_message(format, *args)


class StaticServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    quiet = False
    max_age = 0

    def handle_error(self, request, client_address):
        # A browser that cancels a request (navigation, test teardown) is not an error.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def warm_gzip_cache(directory: Path) -> None:
    """Compress every file once up front (pyodide.asm.wasm takes ~0.5 s), so that the first page
    load -- the one a cold-load benchmark measures -- does not wait for it."""
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        try:
            _cached_gzip(str(path), path.read_bytes())
        except OSError:          # dist/ replaced by a rebuild meanwhile: requests will fill the cache
            pass


def serve(directory, host: str = "127.0.0.1", port: int = 0, quiet: bool = False, warm: bool = True,
          max_age: int = 0):
    """Serve `directory` on a background thread; return (server, url). Raises OSError if the port is taken.

    warm: precompress all files on another background thread (see warm_gzip_cache).
    max_age: seconds the browser may keep a file without asking again (0: never keep it).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a directory")
    server_class = StaticServer
    if ":" in host:                          # an IPv6 literal such as ::1
        server_class = type("StaticServer6", (StaticServer,), {"address_family": socket.AF_INET6})
    server = server_class((host, port), partial(StaticHandler, directory=str(directory)))
    server.quiet = quiet
    server.max_age = max_age
    threading.Thread(target=server.serve_forever, name=f"serve {directory.name}", daemon=True).start()
    if warm:
        threading.Thread(target=warm_gzip_cache, args=(directory,), name="gzip warm-up", daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    return server, f"http://{shown}:{server.server_address[1]}/"
