"""Staleness checks and error reporting of build.py / devtools, without network or Node."""

import build
from devtools import BuildError, inputs, npm, venv


def make_tree(root):
    (root / "pynn").mkdir()
    (root / "pynn" / "layers.py").write_text("x = 1\n")
    (root / "web" / "node_modules" / "pyodide").mkdir(parents=True)
    (root / "web" / "index.html").write_text("<title>a</title>\n")
    (root / "build.py").write_text("# build\n")
    return root


def test_input_hash_changes_with_pynn_and_web_but_not_node_modules_or_pycache(tmp_path):
    root = make_tree(tmp_path)
    hash_ = lambda: inputs.hash_inputs(root, dirs=("pynn", "web"), files=("build.py",))  # noqa: E731
    first = hash_()
    (root / "web" / "node_modules" / "pyodide" / "big.wasm").write_bytes(b"\0" * 100)
    (root / "pynn" / "__pycache__").mkdir()
    (root / "pynn" / "__pycache__" / "layers.cpython-311.pyc").write_bytes(b"junk")
    assert hash_() == first
    (root / "web" / "index.html").write_text("<title>b</title>\n")
    second = hash_()
    assert second != first
    (root / "pynn" / "layers.py").write_text("x = 2\n")
    assert hash_() not in (first, second)
    (root / "pynn" / "layers.py").rename(root / "pynn" / "renamed.py")   # same bytes, new name
    assert len({first, second, hash_()}) == 3


def test_node_modules_stamp_follows_the_lock(tmp_path):
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3}')
    assert not npm.node_modules_current(tmp_path)
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / npm.STAMP_NAME).write_text(npm.sha256_file(tmp_path / "package-lock.json"))
    assert npm.node_modules_current(tmp_path)
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3, "changed": true}')
    assert not npm.node_modules_current(tmp_path)


def test_missing_npm_is_one_clear_error(tmp_path, monkeypatch):
    (tmp_path / "package-lock.json").write_text("{}")
    monkeypatch.setattr(npm.shutil, "which", lambda name: None)
    try:
        npm.ensure_node_modules(tmp_path, cache=tmp_path / "cache")
    except BuildError as error:
        assert "npm not found" in str(error) and "\n" not in str(error)
    else:
        raise AssertionError("ensure_node_modules did not fail without npm")


def test_requirements_key_changes_with_dev_txt(tmp_path):
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "dev.txt").write_text("numpy==2.0.2\n")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    first = venv.requirements_key(tmp_path)
    assert venv.requirements_key(tmp_path) == first
    (tmp_path / "requirements" / "dev.txt").write_text("numpy==2.0.2\npytest==9.2.0\n")
    assert venv.requirements_key(tmp_path) != first


def test_dev_requirements_are_all_exact_pins():
    lines = [line.split("#")[0].strip() for line in venv.REQUIREMENTS.read_text().splitlines()]
    pins = [line for line in lines if line]
    assert pins and all("==" in line and not line.startswith("-") for line in pins), pins
    assert "numpy==2.0.2" in pins and "pyodide-lock[wheel]==0.1.2" in pins


def test_build_error_is_one_line_on_stderr_and_exit_1(monkeypatch, capsys):
    monkeypatch.setattr(build, "build", lambda skip_model: (_ for _ in ()).throw(BuildError("npm not found")))
    monkeypatch.setattr(venv, "ensure_venv", lambda *args: None)
    assert build.main([]) == 1
    captured = capsys.readouterr()
    assert captured.err == "build: error: npm not found\n"
    assert "Traceback" not in captured.out + captured.err


def test_serve_no_build_without_dist_is_one_clear_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(build, "DIST", tmp_path / "missing")
    monkeypatch.setattr(venv, "ensure_venv", lambda *args: None)
    assert build.main(["serve", "--no-build"]) == 1
    assert "dist/ does not exist" in capsys.readouterr().err


def test_pyodide_test_wheels_are_hash_pinned_at_the_dev_versions():
    from devtools.pyodide_tests import REQUIREMENTS

    def requirement_lines(path):
        return [line.split("#")[0].strip() for line in path.read_text().splitlines() if line.split("#")[0].strip()]

    inside = requirement_lines(REQUIREMENTS)
    assert inside and all("--hash=sha256:" in line for line in inside), inside
    pins = {line.split()[0].lower() for line in inside}
    assert pins <= {line.lower() for line in requirement_lines(venv.REQUIREMENTS)}   # same pytest as natively


def test_early_runs_npm_ci_and_pyodide_builds_setup_and_leaves_failures_to_the_build(monkeypatch):
    from devtools import early, npm, pyodide_build

    done = []
    monkeypatch.setattr(npm, "ensure_node_modules", lambda web: done.append(web.name) or
                        (_ for _ in ()).throw(BuildError("npm not found")))
    monkeypatch.setattr(pyodide_build, "command", lambda: done.append("pyodide-build"))
    early.main()     # npm's failure is the build's to report: no exception, and the next step still runs
    assert done == ["web", "pyodide-build"]


def test_models_train_side_by_side_and_a_failure_elsewhere_ends_them(monkeypatch, tmp_path):
    import subprocess
    import time

    from devtools import dist

    started = []

    def train(out, name, args, on_start):
        process = subprocess.Popen(["sleep", "30"])
        on_start(process)
        started.append(process)
        process.wait()
        return name

    monkeypatch.setattr(dist, "_pretrained_model", train)
    models = dist._ModelsBeside(tmp_path)
    deadline = time.monotonic() + 10
    while len(started) < len(dist.MODELS) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(started) == len(dist.MODELS) >= 2       # all at once, not one after another
    models.stop()
    assert all(process.wait(timeout=5) != 0 for process in started)
