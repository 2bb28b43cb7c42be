"""Verification and lock trimming in devtools/pyodide_dist.py, on small fake bundles."""

import hashlib
import json
import zipfile

import pytest

from devtools import BuildError
from devtools.pyodide_dist import BUNDLE_PREFIX, closure, extract_verified, trim_lock, write_trimmed_lock

GOOD = b"the real numpy wheel bytes"
EVIL = b"the real numpy wheel bytes, plus a little extra"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package(name, file_name, data=b"", depends=()):
    return {"name": name, "file_name": file_name, "sha256": sha(data), "depends": list(depends)}


def make_bundle(path, files: dict):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(BUNDLE_PREFIX + name, data)
    return path


LOCK = {
    "info": {"version": "0.27.7"},
    "packages": {
        "numpy": package("numpy", "numpy-2.0.2.whl", GOOD),
        "pynn": package("pynn", "pynn-0.1.0.whl", depends=["numpy"]),
        "pandas": package("pandas", "pandas-2.2.3.whl", depends=["numpy", "pytz"]),
        "pytz": package("pytz", "pytz.whl"),
    },
}


def test_matching_file_is_copied(tmp_path):
    bundle = make_bundle(tmp_path / "bundle.whl", {"numpy-2.0.2.whl": GOOD})
    out = tmp_path / "out"
    out.mkdir()
    written = extract_verified(bundle, LOCK["packages"], ["numpy"], out)
    assert written == [out / "numpy-2.0.2.whl"]
    assert (out / "numpy-2.0.2.whl").read_bytes() == GOOD


def test_tampered_file_is_refused_and_not_copied(tmp_path):
    bundle = make_bundle(tmp_path / "bundle.whl", {"numpy-2.0.2.whl": EVIL})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BuildError) as error:
        extract_verified(bundle, LOCK["packages"], ["numpy"], out)
    message = str(error.value)
    assert "sha256 mismatch for numpy-2.0.2.whl" in message
    assert sha(EVIL) in message and sha(GOOD) in message
    assert "\n" not in message                       # printed as one line
    assert list(out.iterdir()) == []                 # nothing written before the check


def test_file_missing_from_bundle_names_it(tmp_path):
    bundle = make_bundle(tmp_path / "bundle.whl", {"other.whl": GOOD})
    with pytest.raises(BuildError, match=r"numpy-2\.0\.2\.whl \(package numpy\) is not in bundle\.whl"):
        extract_verified(bundle, LOCK["packages"], ["numpy"], tmp_path)


def test_closure_follows_depends():
    assert closure(LOCK["packages"], ["pynn"]) == ["numpy", "pynn"]
    assert closure(LOCK["packages"], ["pynn", "pandas"]) == ["numpy", "pandas", "pynn", "pytz"]
    with pytest.raises(BuildError, match="'scipy'"):
        closure(LOCK["packages"], ["scipy"])


def test_trim_keeps_only_present_packages():
    trimmed = trim_lock(LOCK, {"numpy-2.0.2.whl", "pynn-0.1.0.whl", "pyodide.asm.wasm"})
    assert sorted(trimmed["packages"]) == ["numpy", "pynn"]
    assert trimmed["info"] == LOCK["info"]
    assert sorted(LOCK["packages"]) == ["numpy", "pandas", "pynn", "pytz"]   # input untouched


def test_trim_refuses_a_dangling_dependency():
    with pytest.raises(BuildError, match="pynn depends on numpy"):
        trim_lock(LOCK, {"pynn-0.1.0.whl"})


def test_write_trimmed_lock_uses_files_next_to_it(tmp_path):
    (tmp_path / "pyodide-lock.json").write_text(json.dumps(LOCK))
    for name in ("numpy-2.0.2.whl", "pynn-0.1.0.whl"):
        (tmp_path / name).write_bytes(b"")
    assert write_trimmed_lock(tmp_path / "pyodide-lock.json") == (2, 4)
    assert sorted(json.loads((tmp_path / "pyodide-lock.json").read_text())["packages"]) == ["numpy", "pynn"]


def make_pure_wheel(directory, name="toy", version="1.0", requires=("numpy",)):
    """A minimal valid py3-none-any wheel with one module and Requires-Dist lines."""
    path = directory / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "VALUE = 1\n")
        archive.writestr(f"{info}/METADATA", metadata)
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    return path


STOCK_LOCK = {
    "info": {"arch": "wasm32", "platform": "emscripten_3_1_58", "version": "0.27.7",
             "python": "3.12.7", "abi_version": "2024_0"},
    "packages": {
        "numpy": {"name": "numpy", "version": "2.0.2", "file_name": "numpy-2.0.2.whl",
                  "install_dir": "site", "sha256": sha(GOOD), "imports": ["numpy"], "depends": []},
        "pytz": {"name": "pytz", "version": "2024.1", "file_name": "pytz.whl",
                 "install_dir": "site", "sha256": "", "imports": ["pytz"], "depends": []},
    },
}


def test_register_wheel_then_trim_gives_a_lock_pyodide_accepts(tmp_path):
    pytest.importorskip("pyodide_lock")
    from devtools.pyodide_dist import register_wheels

    lock_path = tmp_path / "pyodide-lock.json"
    lock_path.write_text(json.dumps(STOCK_LOCK))
    wheel = make_pure_wheel(tmp_path)
    (tmp_path / "numpy-2.0.2.whl").write_bytes(GOOD)
    register_wheels(lock_path, [wheel])
    write_trimmed_lock(lock_path)

    lock = json.loads(lock_path.read_text())
    assert lock["info"]["version"] == "0.27.7"       # Pyodide 0.27.7 refuses a lock without it
    assert sorted(lock["packages"]) == ["numpy", "toy"]
    toy = lock["packages"]["toy"]
    assert toy["file_name"] == wheel.name            # relative to dist/pyodide, no URL
    assert toy["depends"] == ["numpy"] and toy["imports"] == ["toy"]
    assert toy["sha256"] == sha(wheel.read_bytes())  # what Chromium's integrity check compares


def test_register_wheel_with_unknown_dependency_is_one_clear_error(tmp_path):
    pytest.importorskip("pyodide_lock")
    from devtools.pyodide_dist import register_wheels

    lock_path = tmp_path / "pyodide-lock.json"
    lock_path.write_text(json.dumps(STOCK_LOCK))
    wheel = make_pure_wheel(tmp_path, requires=("torch",))
    with pytest.raises(BuildError, match="cannot register toy-1.0-py3-none-any.whl.*torch"):
        register_wheels(lock_path, [wheel])
