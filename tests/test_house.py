"""The house's map and rules: README lists every module by stage; the import contracts hold."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import paths

PACKAGES = ("analysis", "fakehub")


def package_modules(root: Path = paths.ROOT) -> list[str]:
    """Every module file of the project's packages, as a path from the root (``__init__`` and
    ``__main__`` files are the packages themselves and need no row)."""
    out = []
    for pkg in PACKAGES:
        for f in sorted((root / pkg).rglob("*.py")):
            if f.name in {"__init__.py", "__main__.py"} or "__pycache__" in f.parts:
                continue
            out.append(f.relative_to(root).as_posix())
    return out


def readme_map(text: str) -> set[str]:
    """The module paths named in README's "Where things are" section."""
    m = re.search(r"^## Where things are\n(.*?)(?=^## )", text, re.S | re.M)
    assert m, "README.md has no '## Where things are' section"
    return set(re.findall(r"`((?:analysis|fakehub)/[\w/]+\.py)`", m.group(1)))


def unlisted(modules: list[str], listed: set[str]) -> list[str]:
    return [m for m in modules if m not in listed]


def test_every_module_is_on_the_readme_map():
    listed = readme_map((paths.ROOT / "README.md").read_text(encoding="utf-8"))
    missing = unlisted(package_modules(), listed)
    assert not missing, f"modules not listed in README.md's 'Where things are': {missing}"
    gone = sorted(m for m in listed if not (paths.ROOT / m).is_file())
    assert not gone, f"README.md's 'Where things are' lists modules that do not exist: {gone}"


def test_a_new_module_without_a_row_is_reported(tmp_path):
    (tmp_path / "analysis" / "parts").mkdir(parents=True)
    (tmp_path / "fakehub").mkdir()
    for f in ("analysis/__init__.py", "analysis/paths.py", "analysis/parts/new.py", "fakehub/server.py"):
        (tmp_path / f).write_text("")
    readme = "## Where things are\n\n| `analysis/paths.py` | x |\n| `fakehub/server.py` | y |\n\n## Cite\n"
    assert unlisted(package_modules(tmp_path), readme_map(readme)) == ["analysis/parts/new.py"]


@pytest.mark.skipif(
    not shutil.which("lint-imports", path=str(Path(sys.executable).parent)),
    reason="import-linter is not installed in this environment (make setup installs it)",
)
def test_import_contracts_hold():
    """Data flows one way: the layers, the test double and the no-cycle contracts of pyproject.toml."""
    exe = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run([str(exe), "--no-logo"], cwd=paths.ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "broken" in proc.stdout and "0 broken" in proc.stdout


def test_makefile_default_snapshot_is_the_paths_default():
    """The one path the Makefile names itself (its SNAPSHOT default) is paths.DEFAULT_SNAPSHOT."""
    make = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    m = re.search(r"^SNAPSHOT\s*\?=\s*(\S+)", make, re.M)
    assert m, "the Makefile sets no SNAPSHOT default"
    assert paths.ROOT / m.group(1) == paths.DEFAULT_SNAPSHOT


def test_paths_command_prints_named_paths(capsys):
    assert paths.main(["shared-import"]) == 0
    assert capsys.readouterr().out.strip() == str(paths.SHARED_IMPORT)
    assert paths.main(["no-such-path"]) == 2
    assert "default-snapshot" in capsys.readouterr().err
