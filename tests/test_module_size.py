"""The house stays livable: no module of the package over 800 lines, no block above radon's grade C.

A module does one thing and its name says which; a function a newcomer must read whole stays
under a cyclomatic complexity of 21 (radon's grades A-C). ``make lint`` runs the same check
with radon's command line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from radon.complexity import cc_rank, cc_visit

from analysis import paths

MAX_LINES = 800
WORST_GRADE = "C"
PACKAGES = ("analysis", "fakehub")


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (paths.ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_over_800_lines(package):
    long = {
        str(p.relative_to(paths.ROOT)): n
        for p in _modules(package)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them by job): {long}"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_block_is_above_grade_c(package):
    worse = []
    for p in _modules(package):
        for block in cc_visit(p.read_text(encoding="utf-8")):
            if cc_rank(block.complexity) > WORST_GRADE:
                worse.append(f"{p.relative_to(paths.ROOT)}:{block.lineno} {block.fullname} {block.complexity}")
    assert not worse, f"blocks above radon grade {WORST_GRADE} (split them): {worse}"
