#!/usr/bin/env python3
"""Build dist/ (the static pynn studio site) from pinned, verified sources, and serve it.

    python3 build.py                     build dist/ (creates .venv/ and web/node_modules/ if needed)
    python3 build.py serve [--port 8000] [--host 127.0.0.1] [--no-build]
                                         build if any input changed, then serve dist/

Needs Python >= 3.11 and Node.js/npm; everything else is fetched from PyPI/npm into .venv/,
web/node_modules/ and .cache/ (all git-ignored), so a rebuild works offline. Where each file
of dist/ comes from and how it is checked: devtools/dist.py, devtools/pyodide_dist.py and
docs/ARCHITECTURE.md. This file is only the command line; the assembly is devtools/dist.py.
"""

import argparse
import sys
import time

from devtools import DIST, BuildError, fail
from devtools.dist import MODEL, build, build_if_needed, log


def serve_forever(host: str, port: int) -> None:
    from devtools.server import serve

    try:
        server, url = serve(DIST, host=host, port=port)
    except OSError as error:
        raise BuildError(f"cannot listen on {host}:{port} ({error.strerror or error}); try --port {port + 1}") from None
    log("serve", f"dist/ at {url}  (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print()
    finally:
        server.shutdown()
        server.server_close()


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Build dist/ (the static site) and serve it.")
    parser.add_argument("--skip-model", action="store_true",
                        help=f"do not train dist/{MODEL} (the page then has no pretrained model)")
    commands = parser.add_subparsers(dest="command", metavar="{build,serve}")
    build_cmd = commands.add_parser("build", help="build dist/ (the default)")
    serve_cmd = commands.add_parser("serve", help="build if needed, then serve dist/")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 = any free port)")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve_cmd.add_argument("--no-build", action="store_true", help="serve dist/ as it is, without building")
    for sub in (build_cmd, serve_cmd):   # also accepted after the command; SUPPRESS keeps the top-level value
        sub.add_argument("--skip-model", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        from devtools import venv

        venv.ensure_venv(__file__, argv, "build")     # may re-exec this script inside .venv/
        if args.command == "serve":
            if args.no_build:
                if not DIST.is_dir():
                    raise BuildError("dist/ does not exist: run `python3 build.py` first (or drop --no-build)")
            else:
                build_if_needed(skip_model=args.skip_model)
            serve_forever(args.host, args.port)
        else:
            build(skip_model=args.skip_model)
        return 0
    except BuildError as error:
        return fail("build", error)
    except KeyboardInterrupt:
        return fail("build", "interrupted")


if __name__ == "__main__":
    sys.exit(main())
