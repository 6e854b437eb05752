"""Notebooks side by side (analysis.publication.buildorder, buildpool): the order from the book's
declarations (book/dataflow.yml) checked against what the notebooks' code reads and writes, the
memory rule for how many at a time, findings recorded at the same time by two processes, and tiny
books built two at a time (overlapping, ordered, and stopped whole by a failure)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import tokenize
from pathlib import Path

import nbformat
import psutil
import pytest
import yaml
from book_fixtures import hand_snapshot, tiny_book

from analysis import paths
from analysis.paper import paper_numbers
from analysis.publication import buildfolder, buildorder
from analysis.publication import findings as fnd
from analysis.publication.build import BuildError, build, parser, toc_notebooks
from analysis.publication.buildsite import toc_page


def _quiet(*_):
    pass


# --------------------------------------------------------------------------- #
# the declarations against the notebooks' code
# --------------------------------------------------------------------------- #

#: How a notebook's code reaches a file of the build folder that another notebook may write or
#: read: (pattern, file, "writes" | "reads" | None). None: it reaches no other notebook's output
#: (parameters.json is the build's, written before any notebook; book_editions reads the other
#: editions' complete builds, this edition's findings it is handed).
ACCESS = [
    (r"\bpub\.findings\(", "findings.json", "writes"),
    (r"\bfindings\.record\(", "findings.json", "writes"),
    (r"\bfindings\.load\(pub\.out\b", "findings.json", "reads"),
    (r"\boverview\.build_parameters\(pub\.out\)", "parameters.json", None),
    (r"\beditions\.book_editions\(pub\.out, doc\)", "other builds' findings.json", None),
]
#: Anything else in a notebook's code that names the build folder or one of its files: each use
#: must match an ACCESS pattern, or the test cannot tell what it reads and fails.
REACHES = re.compile(
    r"\bpub\.out\b|\boutput_dir\b|\btables_dir\b|\bfigures_dir\b|findings\.json|parameters\.json|"
    r"\bread_csv\(|\bread_parquet\(|\bopen\(|\bfindings\.(load|record)\(|\bpub\.findings\("
)


def _code(nb_path: Path) -> str:
    """A notebook's code cells, less its parameters cell."""
    nb = nbformat.read(nb_path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    return "\n".join(c.source for c in cells)


def _without_prose(code: str) -> str:
    """``code`` with the text of its prose strings (captions, sentences: a string with a space in it)
    blanked, offsets kept: a caption that names ``output_dir`` reads nothing."""
    lines = code.splitlines(keepends=True)
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln))
    out = list(code)
    prose = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type in prose and " " in tok.string:
            a = starts[tok.start[0] - 1] + tok.start[1]
            b = starts[tok.end[0] - 1] + tok.end[1]
            out[a:b] = [c if c == "\n" else " " for c in code[a:b]]
    return "".join(out)


def _access(src: Path) -> tuple[dict[str, dict[str, set[str]]], list[str]]:
    """What each notebook of the book at ``src`` writes and reads, by file (from its code), and the
    uses of the build folder no ACCESS pattern explains."""
    flow: dict[str, dict[str, set[str]]] = {}
    unknown = []
    for nb in toc_notebooks(src):
        code = _without_prose(_code(src / "book" / f"{nb}.ipynb"))
        known = []
        for pattern, file, how in ACCESS:
            for m in re.finditer(pattern, code):
                known.append(m.span())
                if how:
                    flow.setdefault(file, {"written_by": set(), "read_by": set()})[
                        "written_by" if how == "writes" else "read_by"
                    ].add(nb)
        for m in REACHES.finditer(code):
            if not any(a <= m.start() < b for a, b in known):
                line = code[: m.start()].count("\n")
                unknown.append(f"{nb}: {code.splitlines()[line].strip()}")
    return flow, unknown


def undeclared(src: Path) -> list[str]:
    """Every way the book at ``src`` breaks its declarations: a shared file a notebook writes or reads
    that book/dataflow.yml does not declare (or declares wrongly), a use of the build folder this
    test does not know, and a reader the order lets start before a writer of what it reads."""
    found, problems = _access(src)
    nbs = toc_notebooks(src)
    declared = buildorder.load_dataflow(src, nbs)
    for file, entry in found.items():
        for key in ("written_by", "read_by"):
            have = set(declared.get(file, {}).get(key, ()))
            if entry[key] != have:
                problems.append(
                    f"{file}: {key} is {sorted(have)} in book/dataflow.yml, the code says {sorted(entry[key])}"
                )
    problems += [f"{file}: declared, but no notebook's code writes or reads it" for file in set(declared) - set(found)]
    root = toc_page(str(yaml.safe_load((src / "_toc.yml").read_text())["root"])).split("/")[-1]
    deps = buildorder.dependencies(nbs, declared, root)
    for file, entry in found.items():
        for reader in entry["read_by"]:
            early = sorted(w for w in entry["written_by"] - {reader} if w not in deps[reader])
            if early:
                problems.append(f"{reader} reads {file} but may start before {', '.join(early)} has written it")
    return problems


def test_the_book_declares_what_each_notebook_reads_that_another_writes():
    assert undeclared(paths.ROOT) == []
    deps = buildorder.dependencies(toc_notebooks(), buildorder.load_dataflow(paths.ROOT, toc_notebooks()), "index")
    # Part IV waits for every part whose findings it grades (the parts the paper's measures name)
    graded = {str(n["measure"]).split(".")[0] for n in paper_numbers()}
    parts = {nb for nb in toc_notebooks() if nb.split("_", 1)[-1] in graded and nb.startswith("part")}
    assert parts >= {"part1_activity", "part2_network", "part3_adoption"}
    assert parts <= set(deps["reproduction"])
    # the landing page runs last; the pages that read only the snapshot wait for nothing
    assert set(deps["index"]) == set(toc_notebooks()) - {"index"}
    assert deps["methods"] == deps["snapshot"] == deps["provenance"] == ()
    assert buildorder.sequential_order(toc_notebooks(), deps)[-1] == "index"


def test_an_undeclared_reader_fails_the_declarations_check(tmp_path):
    src = tmp_path / "book-copy"
    (src / "book").mkdir(parents=True)
    shutil.copy2(paths.ROOT / "_toc.yml", src / "_toc.yml")
    for nb in paths.BOOK.glob("*.ipynb"):
        shutil.copy2(nb, src / "book" / nb.name)
    flow = yaml.safe_load((paths.BOOK / "dataflow.yml").read_text())
    flow["findings.json"]["read_by"].remove("reproduction")
    (src / "book" / "dataflow.yml").write_text(yaml.safe_dump(flow))
    problems = undeclared(src)
    assert any("read_by" in p and "reproduction" in p for p in problems), problems
    assert any(p.startswith("reproduction reads findings.json but may start before part1_activity") for p in problems)
    # a notebook that reads a table another wrote, through a way this test does not know
    nb = nbformat.read(src / "book" / "editions.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import pandas as pd\nt = pd.read_csv(pub.out / 'tables' / 'tab-x.csv')"))
    nbformat.write(nb, src / "book" / "editions.ipynb")
    assert any(p.startswith("editions: t = pd.read_csv(pub.out") for p in undeclared(src))


def test_no_two_notebooks_publish_the_same_label():
    """Each notebook writes only its own tables and figures (and their sidecars): side by side, two
    notebooks never write one file."""
    owner: dict[str, str] = {}
    for nb in toc_notebooks():
        code = _code(paths.BOOK / f"{nb}.ipynb")
        for label in set(re.findall(r"\"((?:tab|fig)-[a-z0-9-]+)\"", code)):
            assert label not in owner, f"{label} is published by {owner[label]} and {nb}"
            owner[label] = nb
    assert len(owner) > 20


def test_the_declarations_are_checked_when_read(tmp_path):
    (tmp_path / "book").mkdir()
    f = tmp_path / "book" / "dataflow.yml"
    f.write_text("findings.json: {written_by: [a], read_by: [nope]}\n")
    with pytest.raises(BuildError, match="not a notebook of the book: nope"):
        buildorder.load_dataflow(tmp_path, ["a", "b"])
    f.write_text("findings.json: [a]\n")
    with pytest.raises(BuildError, match="written_by and read_by"):
        buildorder.load_dataflow(tmp_path, ["a", "b"])
    f.unlink()
    assert buildorder.load_dataflow(tmp_path, ["a"]) == {}
    deps = {"a": ("b",), "b": ("a",)}
    with pytest.raises(BuildError, match="wait for one another: a, b"):
        buildorder.sequential_order(["a", "b"], deps)


def test_one_at_a_time_is_the_toc_order_with_readers_after_their_writers():
    nbs = toc_notebooks()
    deps = buildorder.dependencies(nbs, buildorder.load_dataflow(paths.ROOT, nbs), "index")
    order = buildorder.sequential_order(nbs, deps)
    assert order == [
        "methods",
        "snapshot",
        "part1_activity",
        "part2_network",
        "part3_adoption",
        "part5_history",
        "reproduction",
        "provenance",
        "editions",
        "index",
    ]
    # --only: a notebook left out is no dependency (its outputs are the last build's)
    assert buildorder.dependencies(
        ["reproduction", "part3_adoption"], buildorder.load_dataflow(paths.ROOT, nbs), "index"
    ) == {
        "reproduction": ("part3_adoption",),
        "part3_adoption": (),
    }


# --------------------------------------------------------------------------- #
# how many at a time: the memory rule
# --------------------------------------------------------------------------- #


def test_how_many_notebooks_at_a_time():
    real_import, hub_2026 = 951_340, 50_338_772  # rows of the real import and of the 3M synthetic snapshot (manifests)
    assert buildorder.jobs_for(None, real_import, cpus=2)[0] == 2
    assert buildorder.jobs_for(None, real_import, cpus=1)[0] == 1
    assert buildorder.jobs_for(None, real_import, cpus=64)[0] == buildorder.MAX_JOBS == 2
    jobs, why = buildorder.jobs_for(None, hub_2026, cpus=2)
    assert jobs == 1 and "50,338,772 rows are over 10,000,000" in why
    assert buildorder.jobs_for(None, buildorder.PARALLEL_MAX_ROWS, cpus=2)[0] == 2
    assert buildorder.jobs_for(None, buildorder.PARALLEL_MAX_ROWS + 1, cpus=2)[0] == 1
    assert buildorder.jobs_for(1, 10, cpus=8) == (1, "--jobs 1")
    assert buildorder.jobs_for(3, hub_2026, cpus=2)[0] == 3  # asked for: the reader's choice
    with pytest.raises(BuildError, match="--jobs 0"):
        buildorder.jobs_for(0, 10)
    demo = json.loads((paths.DEFAULT_SNAPSHOT / "manifest.json").read_text())
    assert 0 < buildorder.snapshot_rows(demo) < buildorder.PARALLEL_MAX_ROWS
    assert parser().parse_args(["snap", "--jobs", "1"]).jobs == 1
    assert parser().parse_args(["snap"]).jobs is None


# --------------------------------------------------------------------------- #
# findings recorded at the same time
# --------------------------------------------------------------------------- #

_RECORDER = """
import sys, time
from pathlib import Path
from types import SimpleNamespace
from analysis.publication import findings as fnd
out, prefix, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
snap = SimpleNamespace(id="s", date="2024-07-11", source_kind="synthetic", is_synthetic=True)
while not go.exists():
    time.sleep(0.001)
for i in range(int(sys.argv[4])):
    e = fnd.entry(f"{prefix}.x{i}", float(i), "count", quantity="x", source="tab-x", coverage=fnd.coverage("all", 1, 1))
    fnd.record(out, snap, f"{prefix}_{i}", [e], {"i": i})
"""


def test_two_processes_recording_at_once_keep_each_others_entries(tmp_path):
    """record() reads, changes and writes findings.json: two notebooks recording at the same time
    (here two processes, each recording 25 parts of its own as fast as it can) lose nothing."""
    out, go, n = tmp_path / "out", tmp_path / "go", 25
    out.mkdir()
    procs = [
        subprocess.Popen([sys.executable, "-c", _RECORDER, str(out), prefix, str(go), str(n)], stderr=subprocess.PIPE)
        for prefix in ("parta", "partb")
    ]
    time.sleep(1.0)  # both started and waiting
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    doc = json.loads((out / "findings.json").read_text())
    fnd.validate(doc)
    expected = {f"{p}_{i}" for p in ("parta", "partb") for i in range(n)}
    assert set(doc["parts"]) == expected, f"lost: {sorted(expected - set(doc['parts']))}"
    assert {e["key"] for e in doc["findings"]} == {f"{p}.x{i}" for p in ("parta", "partb") for i in range(n)}
    assert sorted(p.name for p in out.iterdir()) == ["findings.json"], "no lock or temporary file is left"


# --------------------------------------------------------------------------- #
# tiny books, two at a time
# --------------------------------------------------------------------------- #

_OWN = 'snapshot_dir = ""\noutput_dir = ""\npage = ""\ncode_commit = None\nsnapshot_verified = ""'
_OPEN = (
    "from analysis.publication import findings\nfrom analysis.publication.publish import Publisher\n"
    "from analysis.snapshot import open_snapshot\n"
    "snap = open_snapshot(snapshot_dir, verified=snapshot_verified)\n"
    "pub = Publisher(snap, output_dir, page=page, commit=code_commit)"
)


def _page(book: Path, name: str, *cells: str) -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(f"# Page {name}"),
            nbformat.v4.new_code_cell(_OWN, metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(_OPEN, metadata={"tags": ["hide-input"]}),
            *(nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells),
        ]
    )
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    nbformat.write(nb, book / f"{name}.ipynb")


def _record(part: str) -> str:
    return (
        f'pub.findings("{part}", [findings.entry("{part}.n", 1.0, "count", quantity="n", source="tab-{part.replace("_", "-")}", '
        'coverage=findings.coverage("all", 1, 1))])'
    )


def _parallel_book(root: Path, *, fail: bool = False) -> Path:
    """A book of four pages besides its landing page: ``slow_a`` and ``slow_b`` record findings (and
    take a few seconds), ``reader`` reads them (declared in book/dataflow.yml), ``solo`` reads
    nothing. With ``fail``: ``slow_a`` also starts a child process and writes its kernel's and the
    child's process ids, then sleeps; ``slow_b`` waits for those ids, then fails."""
    src = tiny_book(root)
    book = src / "book"
    (book / "counts.ipynb").unlink()
    if fail:
        _page(
            book,
            "slow_a",
            _record("slow_a"),
            """\
            import os, subprocess, json, time
            child = subprocess.Popen(["sleep", "300"])
            (pub.out / "pids.json").write_text(json.dumps({"kernel": os.getpid(), "child": child.pid}))
            time.sleep(300)
            """,
        )
        _page(
            book,
            "slow_b",
            """\
            import time
            while not (pub.out / "pids.json").exists():
                time.sleep(0.05)
            raise RuntimeError("deliberate failure beside a running notebook")
            """,
        )
    else:
        _page(book, "slow_a", "import time\ntime.sleep(3)", _record("slow_a"))
        _page(book, "slow_b", "import time\ntime.sleep(3)", _record("slow_b"))
    _page(
        book,
        "reader",
        "doc = findings.load(pub.out, snap)\nassert {e['part'] for e in doc['findings']} >= {'slow_a', 'slow_b'}",
    )
    # the kernel works in the executed copies' folder (the build's own working directory is not changed)
    _page(book, "solo", "import os\nfrom pathlib import Path\nassert Path(os.getcwd()).samefile(pub.out / 'book')")
    (src / "_toc.yml").write_text(
        textwrap.dedent("""\
        format: jb-book
        root: book/index
        chapters:
          - file: book/slow_a
          - file: book/slow_b
          - file: book/reader
          - file: book/solo
        """)
    )
    (book / "dataflow.yml").write_text("findings.json:\n  written_by: [slow_a, slow_b]\n  read_by: [reader]\n")
    return src


def _span(out: Path, nb: str) -> tuple[dt.datetime, dt.datetime]:
    meta = nbformat.read(out / "book" / f"{nb}.ipynb", as_version=4).metadata["papermill"]
    return dt.datetime.fromisoformat(meta["start_time"]), dt.datetime.fromisoformat(meta["end_time"])


def test_a_book_built_two_at_a_time_overlaps_and_keeps_its_order(tmp_path, build_root):
    src = _parallel_book(tmp_path / "src")
    hand_snapshot(tmp_path / "snap-par", models=20)
    lines: list[str] = []
    cwd = os.getcwd()
    res = build(tmp_path / "snap-par", source=src, html=False, log=lines.append, jobs=2)
    assert os.getcwd() == cwd
    spans = {nb: _span(res.out, nb) for nb in ("slow_a", "slow_b", "reader", "solo", "index")}
    (a0, a1), (b0, b1) = spans["slow_a"], spans["slow_b"]
    assert a0 < b1 and b0 < a1, f"the two slow pages did not overlap: {spans}"
    assert spans["reader"][0] >= max(a1, b1), "the reader started before both writers had finished"
    assert spans["index"][0] >= max(end for nb, (_, end) in spans.items() if nb != "index"), "the landing page is last"
    doc = fnd.load(res.out)
    assert set(doc["parts"]) == {"slow_a", "slow_b"}
    # the log: a line when each notebook starts and ends (with its seconds); the summary
    starts = [ln for ln in lines if re.match(r"\[\d/5\] executing book/\w+\.ipynb \.\.\.$", ln)]
    ends = [ln for ln in lines if re.match(r"\[\d/5\] book/\w+\.ipynb done in \d+\.\d s$", ln)]
    assert len(starts) == len(ends) == 5, lines
    assert any("up to 2 at a time" in ln for ln in lines)
    summary = res.summary()
    for nb in ("slow_a", "slow_b", "reader", "solo", "index"):
        assert re.search(rf"notebook {nb}\s+\d+\.\d s", summary), summary
    assert re.search(r"total \(wall clock\)\s+\d+\.\d s", summary)
    assert re.search(r"CPU time \(all processes\)\s+\d+\.\d s", summary) and res.cpu > 0
    assert res.jobs == 2 and "notebooks at a time" in summary
    # one at a time: no overlap, the declared order
    one = build(tmp_path / "snap-par", source=src, html=False, log=_quiet, jobs=1)
    spans = {nb: _span(one.out, nb) for nb in ("slow_a", "slow_b", "reader", "solo", "index")}
    ordered = sorted(spans, key=lambda nb: spans[nb][0])
    assert ordered == ["slow_a", "slow_b", "reader", "solo", "index"]
    for x, y in zip(ordered, ordered[1:], strict=False):
        assert spans[x][1] <= spans[y][0], f"{x} and {y} overlapped with --jobs 1"


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_failing_notebook_ends_the_one_beside_it_and_leaves_the_published_book(tmp_path, build_root):
    good = _parallel_book(tmp_path / "good")
    hand_snapshot(tmp_path / "snap-fail", models=20)
    published = build(tmp_path / "snap-fail", source=good, html=False, log=_quiet, jobs=2).out
    before = _tree(published)
    bad = _parallel_book(tmp_path / "bad", fail=True)
    t0 = time.monotonic()
    with pytest.raises(BuildError) as exc:
        build(tmp_path / "snap-fail", source=bad, html=False, log=_quiet, jobs=2)
    took = time.monotonic() - t0
    msg = str(exc.value)
    assert len(msg.splitlines()) == 1
    assert msg.startswith("notebook book/slow_b.ipynb failed in cell 3 (counting from 0)")
    assert "RuntimeError: deliberate failure beside a running notebook" in msg
    assert took < 120, f"the build waited for the notebook beside the failing one ({took:.0f} s)"
    # the notebook beside it was ended: its kernel and the kernel's child are gone
    pids = json.loads((buildfolder.staging_dir(published) / "pids.json").read_text())
    for role, pid in pids.items():
        assert not _alive(pid), f"the running notebook's {role} (pid {pid}) outlived the failed build"
    assert _tree(published) == before, "the published book changed"


def _alive(pid: int) -> bool:
    end = time.monotonic() + 5
    while time.monotonic() < end:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            return False
        time.sleep(0.1)
    return True
