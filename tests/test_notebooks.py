"""The notebook templates in book/: output-free, parameterised, all in the table of contents."""

from __future__ import annotations

import ast

import nbformat
import pytest

from analysis import paths
from analysis.publication.build import toc_entries, toc_notebooks

NOTEBOOKS = sorted(paths.BOOK.glob("*.ipynb"))


def test_there_are_notebooks():
    names = {p.stem for p in NOTEBOOKS}
    assert {"index", "snapshot", "methods", "reproduction", "provenance"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_a_clean_template(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert not cell.get("outputs"), f"{path.name}: cell {i} has outputs (commit templates without outputs)"
        assert cell.get("execution_count") is None, f"{path.name}: cell {i} has an execution count"
    assert "papermill" not in nb.metadata, f"{path.name}: an executed copy, not a template"


def _parameters_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_of_plain_literals(path):
    nb = nbformat.read(path, as_version=4)
    cells = _parameters_cells(nb)
    assert len(cells) == 1, f"{path.name}: {len(cells)} cells tagged 'parameters', expected exactly one"
    tree = ast.parse(cells[0].source)
    names = {}
    for node in tree.body:
        assert isinstance(node, (ast.Assign, ast.AnnAssign)), (
            f"{path.name}: the parameters cell may only assign literals (line {node.lineno})"
        )
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        assert isinstance(target, ast.Name), f"{path.name}: parameters must be plain names"
        names[target.id] = ast.literal_eval(node.value)  # raises on anything but a literal
    assert names.get("snapshot_dir") == "", f'{path.name}: needs snapshot_dir = ""'
    assert names.get("output_dir") == "", f'{path.name}: needs output_dir = ""'
    secret = [n for n in names if any(w in n.lower() for w in ("token", "secret", "password", "key"))]
    assert not secret, f"{path.name}: secrets are never parameters: {secret}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_with_its_parameters_then_one_call_that_opens_it(path):
    """No prelude: the first code cell is the ``parameters`` cell (the build's own parameters
    declared in it), the second the imports it needs and one call,
    ``snap, pub, params = open_part("<name>", globals())``, whose code the page hides (it shows the
    banner)."""
    from analysis.publication.buildparams import BUILD_PARAMETERS

    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), f"{path.name}: the first code cell is not `parameters`"
    assert set(BUILD_PARAMETERS) <= set(_names(code[0].source)), f"{path.name}: declare {BUILD_PARAMETERS}"
    body = ast.parse(code[1].source).body
    statements = [n for n in body if not isinstance(n, (ast.Import, ast.ImportFrom))]
    assert body[-len(statements) :] == statements, f"{path.name}: the second cell's imports come first"
    assert len(statements) == 1, f"{path.name}: the second code cell is one call (open_part), not a prelude"
    call = statements[0].value if isinstance(statements[0], (ast.Assign, ast.Expr)) else None
    assert isinstance(call, ast.Call) and getattr(call.func, "id", None) == "open_part", path.name
    assert [ast.literal_eval(a) if isinstance(a, ast.Constant) else ast.unparse(a) for a in call.args] == [
        path.stem,
        "globals()",
    ], f'{path.name}: open_part("{path.stem}", globals())'
    assert {"hide-input", "remove-input"} & set(code[1].metadata.get("tags", [])), f"{path.name}: code shown"
    assert any(
        c.cell_type == "markdown" and any(ln.startswith("# ") for ln in c.source.splitlines()) for c in nb.cells
    ), f"{path.name}: no '# Title' heading"


def test_no_notebook_or_part_reads_the_environment():
    """A notebook gets everything as papermill parameters: nothing in book/ or analysis/parts reads
    os.environ (or os.getenv), nor the context that opens a notebook."""
    import re

    reads = re.compile(r"\bos\.(environ|getenv)\b|\bgetenv\(|from os import .*\b(environ|getenv)\b")
    sources = {
        p.name: "\n".join(c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code")
        for p in NOTEBOOKS
    }
    sources |= {
        str(p.relative_to(paths.ROOT)): p.read_text(encoding="utf-8")
        for p in sorted((paths.ROOT / "analysis" / "parts").rglob("*.py"))
    }
    sources["analysis/publication/context.py"] = (paths.ROOT / "analysis/publication/context.py").read_text()
    offenders = [name for name, text in sources.items() if reads.search(text)]
    assert not offenders, f"these read the environment (give the value as a parameter instead): {offenders}"


def test_every_toc_entry_exists_and_every_notebook_is_in_the_toc():
    entries = toc_entries()
    assert entries[0] == "book/index", "the landing page is the toc's root"
    missing = [e for e in entries if not (paths.ROOT / f"{e}.ipynb").exists() and not (paths.ROOT / f"{e}.md").exists()]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}"
    assert len(entries) == len(set(entries)), "a page is listed twice"
    orphans = [p.name for p in NOTEBOOKS if f"book/{p.stem}" not in entries]
    assert not orphans, f"notebooks in book/ but not in _toc.yml (they would not be built): {orphans}"
    assert toc_notebooks() == [e.split("/")[-1] for e in entries if (paths.ROOT / f"{e}.ipynb").exists()]


def test_toc_has_the_books_parts_in_order():
    entries = toc_entries()
    expected = [
        "book/index",
        "book/methods",
        "book/snapshot",
        "book/part1_activity",
        "book/part2_network",
        "book/part3_adoption",
        "book/reproduction",
        "book/provenance",
    ]
    assert [e for e in entries if e in expected] == expected


def test_config_renders_publisher_markdown_and_never_executes():
    import yaml

    cfg = yaml.safe_load(paths.BOOK_CONFIG.read_text())
    assert cfg["execute"]["execute_notebooks"] == "off"
    assert cfg["only_build_toc_files"] is True
    sphinx = cfg["sphinx"]["config"]
    assert sphinx["nb_render_markdown_format"] == "myst"
    assert sphinx["numfig"] is True
    assert "colon_fence" in cfg["parse"]["myst_enable_extensions"]
    assert cfg["bibtex_bibfiles"] == ["book/references.bib"]
    bib = (paths.ROOT / cfg["bibtex_bibfiles"][0]).read_text()
    assert "10.1007/s42001-024-00300-8" in bib and "osborne2024" in bib


def test_params_file_is_valid_and_secret_free():
    from analysis.publication.build import load_params

    glob, per = load_params()
    assert isinstance(glob, dict) and isinstance(per, dict)
    declared = set()
    for p in NOTEBOOKS:
        nb = nbformat.read(p, as_version=4)
        declared |= set(_names(_parameters_cells(nb)[0].source))
    unused = [k for k in glob if k not in declared]
    assert not unused, f"book/params.yml global parameters no notebook declares: {unused}"


def _names(src):
    return [n.targets[0].id for n in ast.parse(src).body if isinstance(n, ast.Assign)]
