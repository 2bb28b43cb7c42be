"""The browser's pynn wheel leaves the bundled digits out; dist ships them as a file of their own."""

import zipfile

from devtools import ROOT
from devtools.dist import DIGITS_IN_PYNN
from devtools.pyodide_dist import build_wheel


def test_wheel_built_with_leave_out_has_no_digits_but_all_else(tmp_path):
    full = build_wheel(ROOT, tmp_path / "full")
    slim = build_wheel(ROOT, tmp_path / "slim", leave_out=(DIGITS_IN_PYNN,))
    full_names = set(zipfile.ZipFile(full).namelist())
    slim_names = set(zipfile.ZipFile(slim).namelist())
    digits = f"pynn/{DIGITS_IN_PYNN}"
    assert digits in full_names
    assert full_names - slim_names == {digits}
    record = zipfile.ZipFile(slim).read(next(n for n in slim_names if n.endswith("RECORD"))).decode()
    assert digits not in record          # the wheel's own file list agrees
