"""Tests of the build tooling (build.py, devtools/): fast, no network, no Node, no browser.

(Not tests/build/: pytest's default norecursedirs skips any directory named "build".)
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:      # .venv has a .pth for this; keep plain `pytest` working too
    sys.path.insert(0, str(ROOT))
