"""``python -m analysis <command>``: bad arguments end in one line and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from book_fixtures import hand_snapshot

from analysis import paths
from analysis.cli import COMMANDS, KNOWN_ERRORS

TIMEOUT = 120


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("HF_TOKEN", None)
    e["HF_HUB_OFFLINE"] = "1"  # nothing here may reach the network
    e.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=paths.ROOT.parent,
        env=e,
    )


def assert_one_line_error(res, *words):
    assert res.returncode != 0, f"exit 0 for bad input; stdout: {res.stdout[-300:]}"
    err = res.stderr.strip()
    assert "Traceback" not in err, f"a traceback instead of a message:\n{err[-1500:]}"
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err[:1500]}"
    assert lines[0].startswith("error: "), lines[0]
    for w in words:
        assert w.lower() in lines[0].lower(), f"{w!r} not in {lines[0]!r}"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_unknown_option_is_one_line_error(command):
    assert_one_line_error(run(command, "--no-such-option-xyz"))


def test_unknown_command():
    assert_one_line_error(run("frobnicate"), "unknown command")


def test_help_lists_every_command():
    res = run("--help")
    assert res.returncode == 0
    for name in COMMANDS:
        assert name in res.stdout


@pytest.mark.parametrize("command", ["build", "validate", "info", "import"])
def test_missing_arguments(command):
    assert_one_line_error(run(command), "required")


@pytest.mark.parametrize("command", ["build", "validate", "info"])
def test_missing_snapshot(command, tmp_path):
    assert_one_line_error(run(command, str(tmp_path / "nowhere")), "nowhere")


def _snapshot_and_build_env(tmp_path):
    """A small snapshot at ``tmp_path/s``; builds (if any) go to ``tmp_path/_build``."""
    hand_snapshot(tmp_path / "s", models=20)
    return {"HFHUB_BUILD_DIR": str(tmp_path / "_build")}


def test_build_refuses_a_token_parameter(tmp_path):
    env = _snapshot_and_build_env(tmp_path)
    res = run("build", str(tmp_path / "s"), "-p", "hf_token=abc", env=env)
    assert_one_line_error(res, "secret")
    res = run("build", str(tmp_path / "s"), "-p", "paper_date=hf_abcdefghijklmnopqrstuvwxyz123456", env=env)
    assert_one_line_error(res, "token")
    assert not (tmp_path / "_build").exists(), "nothing may be built when a parameter is refused"


def test_build_bad_parameter_and_notebook(tmp_path):
    env = _snapshot_and_build_env(tmp_path)
    assert_one_line_error(run("build", str(tmp_path / "s"), "-p", "novalue", env=env), "name=value")
    assert_one_line_error(run("build", str(tmp_path / "s"), "-p", "no_such_param=1", env=env), "no_such_param")
    assert_one_line_error(run("build", str(tmp_path / "s"), "--only", "no_such_notebook", env=env), "no_such_notebook")
    assert_one_line_error(run("build", str(tmp_path / "s"), "-p", "snapshot_dir=/x", env=env), "snapshot_dir")


def test_build_rejects_a_partial_snapshot(tmp_path):
    snap = hand_snapshot(tmp_path / "s", models=20)
    manifest = snap.path / "manifest.json"
    manifest.chmod(0o644)
    manifest.write_text(manifest.read_text().replace('"complete": true', '"complete": false'))
    assert_one_line_error(run("build", str(snap.path)), "complete")


def _raising_command(monkeypatch, exc: BaseException) -> None:
    """A command ``boom`` whose main raises ``exc``."""
    import types

    from analysis import cli

    module = types.ModuleType("boom_command")

    def main(argv):
        raise exc

    module.main = main
    monkeypatch.setitem(sys.modules, "boom_command", module)
    monkeypatch.setitem(cli.COMMANDS, "boom", ("boom_command", "raises"))


@pytest.mark.parametrize("dotted", KNOWN_ERRORS)
def test_every_known_error_is_one_line(dotted, monkeypatch, capsys):
    """Each of the project's error classes, raised from a command, ends in one line and exit status 1:
    the dispatcher's one wrapper (the commands need not catch them)."""
    import importlib

    from analysis import cli

    module, _, name = dotted.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    assert isinstance(cls, type) and issubclass(cls, Exception), dotted
    _raising_command(monkeypatch, cls(f"the {name} message\nover two lines"))
    assert cli.main(["boom"]) == 1
    err = capsys.readouterr().err
    assert err == f"error: the {name} message over two lines\n"


def test_known_subclasses_and_os_errors_are_one_line(monkeypatch, capsys, tmp_path):
    from analysis import cli
    from analysis.snapshot.lock import FolderBusy

    _raising_command(monkeypatch, FolderBusy("x: in use by process 1"))
    assert cli.main(["boom"]) == 1 and capsys.readouterr().err == "error: x: in use by process 1\n"
    _raising_command(monkeypatch, PermissionError(13, "Permission denied", str(tmp_path / "f")))
    assert cli.main(["boom"]) == 1
    assert capsys.readouterr().err == f"error: Permission denied ({tmp_path / 'f'})\n"


def test_a_bug_is_not_hidden(monkeypatch):
    """An error that is not the project's (a bug) keeps its traceback."""
    from analysis import cli

    _raising_command(monkeypatch, KeyError("bug"))
    with pytest.raises(KeyError):
        cli.main(["boom"])


def test_validate_and_info_errors_come_from_the_wrapper(tmp_path):
    """validate and info catch nothing themselves: the wrapper makes their one line."""
    (tmp_path / "s").mkdir()
    assert_one_line_error(run("validate", str(tmp_path / "s")), "manifest.json: missing")
    assert_one_line_error(run("info", str(tmp_path / "s")), "manifest.json: missing")
