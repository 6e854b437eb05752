"""A build is safe to run anywhere (analysis.publication.build and .buildfolder, analysis.snapshot.lock).

- It deletes only what it made: a build folder that is, contains or is inside the repository's
  folders (tried on a throwaway stand-in of the repository, never on the checkout itself), or that
  holds a reader's own file, is refused with nothing touched.
- An interrupted build never looks complete: killed before, during and after its notebooks (inside
  jupyter-book), by SIGINT, SIGTERM or SIGKILL, it leaves the last complete build in place, no
  child process running and no folder that ``editions`` takes for an edition; a full disk is one
  line saying "no space left on device".
- One writer per folder whatever the path: the lock is the real folder's (symbolic links), and
  synth and build take it.
- Plausible dates: an import is dated by its listings' fetch, not by a record's absurd date, which
  the data-quality table flags; ``paper_date`` after the snapshot is refused before any notebook runs.

Every case makes its own data (tiny books and hand-written snapshots of tests/book_fixtures.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pytest
from book_fixtures import hand_snapshot, interruptible, tiny_book

from analysis import paths
from analysis.publication import buildfolder
from analysis.publication import editions as E
from analysis.publication.build import BuildError, build
from analysis.snapshot import SnapshotError, open_snapshot
from analysis.snapshot.lock import FolderBusy, FolderLock


def _quiet(*_):
    pass


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links not followed) with its sha256."""
    out = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            p = Path(dirpath) / name
            out[p.relative_to(folder).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


# --------------------------------------------------------------------------- #
# 4. a build deletes only what it made
# --------------------------------------------------------------------------- #


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A throwaway stand-in for the repository (its book, an earlier build, code, data), made the
    project's root for the test: the destructive cases never run against the real checkout."""
    repo = tmp_path / "work" / "checkout"
    tiny_book(repo)
    (repo / "analysis").mkdir()
    (repo / "analysis" / "code.py").write_text("x = 1\n")
    (repo / "_build" / "other").mkdir(parents=True)
    (repo / "_build" / "other" / "keep.txt").write_text("an earlier build\n")
    shutil.copy2(paths.ROOT / "CITATION.cff", repo / "CITATION.cff")
    monkeypatch.setattr(paths, "ROOT", repo)
    return repo


@pytest.mark.parametrize(
    "where, snapshot_id, words",
    [
        ("..", "checkout", "is the repository"),  # HFHUB_BUILD_DIR=<parent of the checkout>, id = its name
        ("../..", "work", "contains the repository"),
        ("book", "snap", "is inside the repository's folder book/"),
        ("analysis", "snap", "is inside the repository's folder analysis/"),
    ],
)
def test_a_build_folder_in_the_repository_is_refused_with_nothing_touched(
    checkout, tmp_path, monkeypatch, where, snapshot_id, words
):
    snap = hand_snapshot(tmp_path / "snaps" / "s", snapshot_id=snapshot_id, models=20)
    monkeypatch.setenv("HFHUB_BUILD_DIR", str((checkout / where).resolve()))
    before = _tree(checkout.parent.parent)
    with pytest.raises(BuildError, match=words) as exc:
        build(snap.path, source=checkout, log=_quiet)
    assert "\n" not in str(exc.value)
    assert _tree(checkout.parent.parent) == before, "a refused build wrote or removed something"


def test_the_snapshot_folder_and_the_book_sources_are_refused(tmp_path, monkeypatch):
    src = tiny_book(tmp_path / "src")
    snap = hand_snapshot(tmp_path / "snaps" / "snap-x", models=20)
    monkeypatch.setenv("HFHUB_BUILD_DIR", str(tmp_path / "snaps"))  # the build folder would be the snapshot
    before = _tree(tmp_path)
    with pytest.raises(BuildError, match="is the snapshot being built"):
        build(snap.path, source=src, log=_quiet)
    monkeypatch.setenv("HFHUB_BUILD_DIR", str(src / "book"))
    with pytest.raises(BuildError, match="the book's sources"):
        build(snap.path, source=src, log=_quiet)
    assert _tree(tmp_path) == before


def test_a_folder_not_made_by_a_build_is_refused(tmp_path, build_root):
    src = tiny_book(tmp_path / "src")
    snap = hand_snapshot(tmp_path / "snap-n", models=20)
    target = build_root / "snap-n"
    target.mkdir(parents=True)
    (target / "notes.txt").write_text("mine\n")
    with pytest.raises(BuildError, match=r"not empty and was not made by a build \(it has no \.hfhub-build\.json\)"):
        build(snap.path, source=src, html=False, log=_quiet)
    assert _tree(target) == {"notes.txt": hashlib.sha256(b"mine\n").hexdigest()}
    assert not buildfolder.staging_dir(target).exists()


def test_a_readers_own_files_survive_every_build(tmp_path, build_root):
    """Choice: the build refuses (naming the files) rather than remove or carry a reader's file."""
    src = tiny_book(tmp_path / "src")
    snap = hand_snapshot(tmp_path / "snap-r", models=20)
    first = build(snap.path, source=src, html=False, log=_quiet)
    marker = buildfolder.read_marker(first.out)
    assert marker["complete"] is True and set(marker["files"]) == set(buildfolder.files_in(first.out))
    assert "tables/tab-counts.csv" in marker["files"] and not buildfolder.staging_dir(first.out).exists()
    (first.out / "tables" / "my-table.csv").write_text("a,b\n1,2\n")
    (first.out / "figures").mkdir(exist_ok=True)
    (first.out / "figures" / "my-plot.png").write_bytes(b"\x89PNG mine")
    before = _tree(first.out)
    for only in (None, ["counts"]):  # a full build and a build of one notebook
        with pytest.raises(BuildError, match=r"holds 2 file\(s\) that no build wrote \(figures/my-plot.png"):
            build(snap.path, source=src, html=False, notebooks=only, log=_quiet)
        assert _tree(first.out) == before
    # moved away, the next build replaces the folder and removes only what the last one wrote
    (first.out / "tables" / "my-table.csv").unlink()
    (first.out / "figures" / "my-plot.png").unlink()
    again = build(snap.path, ["top_n=1"], source=src, html=False, log=_quiet)
    assert again.out == first.out and buildfolder.is_complete(again.out)
    assert sorted(p.name for p in build_root.iterdir()) == [".snap-r.validated.json", "snap-r"]


def test_a_file_that_appears_during_the_build_is_never_removed(tmp_path):
    """The swap re-checks the published folder, and removes a replaced build file by file."""
    target = tmp_path / "b" / "snap"
    staging = buildfolder.start_staging(target, "snap", carry=False)
    (staging / "a.txt").write_text("1")
    buildfolder.publish(staging, target, "snap")
    assert buildfolder.is_complete(target) and (target / "a.txt").exists()
    staging = buildfolder.start_staging(target, "snap", carry=False)
    (staging / "b.txt").write_text("2")
    (target / "late.txt").write_text("a reader's, written while the build ran")
    with pytest.raises(buildfolder.FolderRefused, match="late.txt"):
        buildfolder.publish(staging, target, "snap")
    assert (target / "late.txt").exists() and (target / "a.txt").exists()
    # a replaced build holding an unlisted file: its listed files go, the rest stays, and is reported
    old = tmp_path / "old"
    old.mkdir()
    (old / "a.txt").write_text("1")
    (old / "sub").mkdir()
    (old / "sub" / "mine.txt").write_text("x")
    (old / buildfolder.MARKER).write_text(json.dumps({"tool": buildfolder.TOOL, "files": ["a.txt"]}))
    assert buildfolder.remove_own(old) == ["sub/mine.txt"]
    assert not (old / "a.txt").exists() and (old / "sub" / "mine.txt").exists()


# --------------------------------------------------------------------------- #
# 5. an interrupted build never looks complete
# --------------------------------------------------------------------------- #

_RUNNER = """
import functools, sys
from pathlib import Path
from analysis.publication import build as B
B.build = functools.partial(B.build, source=Path(sys.argv[1]))
sys.exit(B.main(sys.argv[2:]))
"""


def _run_build(src: Path, snap: Path, *args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    """``python -m analysis build SNAP`` of the book at ``src`` (main's own handling), as a process."""
    return subprocess.Popen(
        [sys.executable, "-u", "-c", _RUNNER, str(src), str(snap), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        preexec_fn=interruptible,
        **kw,
    )


_FINDING = """from analysis.publication import findings
findings.record(output_dir, snap, "counts", [findings.entry(
    "counts.models", len(m), "count", quantity="models", source="tab-counts",
    coverage=findings.coverage("all", len(m), len(m)))])"""


def _edition_book(root: Path, sleep: bool = False) -> Path:
    """The tiny book whose table page records a finding (so that a build is an edition), and, with
    ``sleep``, then sleeps in a cell (the build is killed while it runs, findings.json written)."""
    src = tiny_book(root)
    nb = nbformat.read(src / "book" / "counts.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_FINDING))
    if sleep:
        nb.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(300)"))
    nbformat.write(nb, src / "book" / "counts.ipynb")
    return src


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _cmdline(p: psutil.Process) -> str:
    try:
        return " ".join(p.cmdline())
    except psutil.Error:
        return ""


def _wait_for(proc: subprocess.Popen, lines: list[str], text: str, child: str | None, timeout: float = 120) -> None:
    """Read the build's output (into ``lines``) until ``text`` appears and, with ``child``, a
    descendant process whose command line holds ``child`` runs."""
    import threading

    if not any(isinstance(t, threading.Thread) and t.name == f"reader-{proc.pid}" for t in threading.enumerate()):
        threading.Thread(target=lambda: lines.extend(proc.stdout), name=f"reader-{proc.pid}", daemon=True).start()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(text in ln for ln in lines) and (
            child is None or any(child in _cmdline(p) for p in _descendants(proc.pid))
        ):
            return
        if proc.poll() is not None:
            raise AssertionError(f"the build ended before {text!r}: {''.join(lines)}{proc.stderr.read()}")
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not seen in {timeout} s: {''.join(lines)}")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A complete build of the tiny book (with its site): the last complete build every kill case
    must leave in place."""
    base = tmp_path_factory.mktemp("kills")
    src = _edition_book(base / "src")
    slow = _edition_book(base / "slow", sleep=True)
    snap = hand_snapshot(base / "snap-k", models=30)
    old = os.environ.get("HFHUB_BUILD_DIR")
    os.environ["HFHUB_BUILD_DIR"] = str(base / "_build")
    try:
        res = build(snap.path, source=src, log=_quiet)
    finally:
        if old is None:
            os.environ.pop("HFHUB_BUILD_DIR")
        else:
            os.environ["HFHUB_BUILD_DIR"] = old
    return {
        "src": src,
        "slow": slow,
        "snap": snap.path,
        "root": base / "_build",
        "out": res.out,
        "tree": _tree(res.out),
    }


MOMENTS = {
    # moment: (book, output line to wait for, descendant to wait for)
    "before notebooks": ("src", "building the book of snapshot", None),
    "during notebooks": ("slow", "[1/2] executing book/counts.ipynb", "ipykernel"),
    "inside jupyter-book": ("src", "building the site with jupyter-book", "jupyter-book"),
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "moment, sig",
    [
        ("before notebooks", signal.SIGKILL),
        ("during notebooks", signal.SIGINT),
        ("during notebooks", signal.SIGTERM),
        ("during notebooks", signal.SIGKILL),
        ("inside jupyter-book", signal.SIGINT),
        ("inside jupyter-book", signal.SIGTERM),
        ("inside jupyter-book", signal.SIGKILL),
    ],
    ids=lambda v: v.name if isinstance(v, signal.Signals) else v.replace(" ", "-"),
)
def test_a_killed_build_leaves_the_last_complete_one_and_no_process(published, moment, sig):
    book, text, child = MOMENTS[moment]
    env = {"HFHUB_BUILD_DIR": str(published["root"])}
    proc = _run_build(published[book], published["snap"], env=env)
    lines: list[str] = []
    try:
        _wait_for(proc, lines, text, child)
        if child == "ipykernel":  # wait for the page's finding: the kernel is then in the sleeping cell
            findings = buildfolder.staging_dir(published["out"]) / "findings.json"
            end = time.monotonic() + 60
            while not findings.exists() and time.monotonic() < end:
                time.sleep(0.05)
            time.sleep(0.5)
        children = _descendants(proc.pid)
        names = [_cmdline(p) for p in children]
        assert child is None or any(child in n for n in names), names
        t0 = time.monotonic()
        proc.send_signal(sig)
        rc = proc.wait(timeout=60)
        stopped = time.monotonic() - t0
        gone, alive = psutil.wait_procs(children, timeout=3)  # an orphan jupyter-book runs for 5 s or more
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read()
    assert not alive, f"still running after the build was killed: {[_cmdline(p) for p in alive]}"
    if sig == signal.SIGKILL:
        assert rc == -signal.SIGKILL
    else:
        assert rc == (130 if sig == signal.SIGINT else 143), err
        assert err.count("\n") == 1 and err.startswith("error: ") and "published book is unchanged" in err, err
    assert stopped < 30
    staging = buildfolder.staging_dir(published["out"])
    left = _tree(staging)
    time.sleep(5.0)  # an orphan would still be writing now
    assert _tree(staging) == left, "something still writes into the unfinished build"
    # the published folder is exactly the last complete build
    assert _tree(published["out"]) == published["tree"]
    assert buildfolder.is_complete(published["out"])
    assert not buildfolder.is_complete(staging)
    assert E.discover(published["root"]) == [published["out"]]
    if moment != "before notebooks":  # killed after the table page recorded its finding
        assert (staging / "findings.json").is_file()
        with pytest.raises(E.EditionsError, match="not a complete build"):
            E.read_edition(staging)
    assert E.read_edition(published["out"]).snapshot_id == "snap-k"
    print(f"{moment} {sig.name}: exit {rc} after {stopped:.2f} s; {len(children)} child process(es), none left")


def test_editions_refuses_a_folder_without_its_completion_marker(tmp_path):
    d = tmp_path / "_build" / "snap-i"
    d.mkdir(parents=True)
    doc = {"schema_version": 1, "snapshot": {"id": "snap-i", "date": "2024-07-11", "source_kind": "synthetic"}}
    doc["snapshot"]["synthetic"] = True
    doc["findings"] = [{"key": "a.b", "value": 1, "unit": "count"}]
    (d / "findings.json").write_text(json.dumps(doc))
    with pytest.raises(E.EditionsError, match="not a complete build"):
        E.read_edition(d)
    assert E.discover(tmp_path / "_build") == []
    res = subprocess.run(
        [sys.executable, "-m", "analysis", "editions", str(d)], capture_output=True, text=True, cwd=tmp_path
    )
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and "not a complete build" in res.stderr


@contextlib.contextmanager
def _tmpfs(path: Path, size: str):
    """A small file system of its own at ``path`` (root only), unmounted afterwards."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.decode().strip()}")
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` up to ``leave`` free bytes."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    with open(folder / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


@pytest.mark.parametrize("moment", ["during notebooks", "inside jupyter-book"])
def test_a_full_disk_is_one_line_saying_so(tmp_path, moment):
    src = tiny_book(tmp_path / "src")
    snap = hand_snapshot(tmp_path / "snap-d", models=20)
    with _tmpfs(tmp_path / "small", "2m") as disk:
        root = disk / "_build"
        root.mkdir()
        if moment == "during notebooks":
            # room for the validation record, the lock, the staging folder and its marker, not for the notebooks
            _fill(disk, leave=28 * 1024)
        proc = _run_build(
            src, snap.path, *(["--no-html"] if moment == "during notebooks" else []), env={"HFHUB_BUILD_DIR": str(root)}
        )
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 1, out + err
        assert err.count("\n") == 1 and err.startswith("error: "), err
        assert "no space left on device" in err, err
        if moment == "inside jupyter-book":
            assert "jupyter-book build failed" in err and "[1/2] executing" in out, err
        else:
            assert "building the site" not in out
        assert not (root / "snap-d").exists(), "nothing looks like a build"
        assert not buildfolder.is_complete(buildfolder.staging_dir(root / "snap-d"))
        print(f"{moment}: {err.strip()}")


# --------------------------------------------------------------------------- #
# 6. one writer per folder, whatever the path
# --------------------------------------------------------------------------- #


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=cwd)


def test_the_lock_is_the_real_folders(tmp_path):
    real = tmp_path / "snaps" / "real"
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)  # a link to a folder that does not exist yet
    assert FolderLock(link).path == FolderLock(real).path
    real.mkdir(parents=True)  # the folder being imported
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "parent").symlink_to(tmp_path / "snaps", target_is_directory=True)  # a linked parent
    assert FolderLock(link).path == FolderLock(real).path == FolderLock(other / "parent" / "real").path
    src = tmp_path / "src"
    src.mkdir()
    rec = {"_id": "1", "id": "o/m", "modelId": "o/m", "tags": [], "createdAt": "2024-05-01T00:00:00.000Z"}
    (src / "models.jsonl").write_text(json.dumps(rec) + "\n")
    with FolderLock(real, "python -m analysis import"):
        for path in (link, other / "parent" / "real"):
            res = _cli("import", str(src), str(path), "--no-progress", cwd=tmp_path)
            assert res.returncode == 1 and res.stderr.count("\n") == 1, res.stderr
            assert f"in use by process {os.getpid()} (python -m analysis import since" in res.stderr
            assert f"(the folder {real})" in res.stderr
        res = _cli("synth", str(link), "--models", "20", "--quiet", cwd=tmp_path)
        assert res.returncode == 2 and "in use by process" in res.stderr and res.stderr.count("\n") == 1
    assert not any(real.iterdir()), "a refused writer wrote nothing"
    res = _cli("import", str(src), str(link), "--no-progress", cwd=tmp_path)  # free again
    assert res.returncode == 0, res.stderr
    assert open_snapshot(real).rows("models") == 1


def test_synth_takes_the_lock(tmp_path):
    from analysis.sources import synth

    with FolderLock(tmp_path / "s", "python -m analysis import"):
        with pytest.raises(FolderBusy, match="in use by process"):
            synth.generate(tmp_path / "s", models=20)
    assert not (tmp_path / "s").exists()
    with FolderLock(tmp_path / "s", "python -m analysis synth"):
        pass
    assert synth.generate(tmp_path / "s", models=20).rows("models") == 20


def test_build_takes_the_lock_whatever_the_path(tmp_path, monkeypatch):
    src = tiny_book(tmp_path / "src")
    snap = hand_snapshot(tmp_path / "snap-l", models=20)
    real_root = tmp_path / "builds"
    real_root.mkdir()
    (tmp_path / "builds-link").symlink_to(real_root, target_is_directory=True)
    monkeypatch.setenv("HFHUB_BUILD_DIR", str(tmp_path / "builds-link"))
    with FolderLock(real_root / "snap-l", "python -m analysis build"):
        with pytest.raises(SnapshotError, match="in use by process"):
            build(snap.path, source=src, html=False, log=_quiet)
    assert not (real_root / "snap-l").exists()
    monkeypatch.setenv("HFHUB_BUILD_DIR", str(real_root))
    with FolderLock(tmp_path / "builds-link" / "snap-l", "python -m analysis build"):
        with pytest.raises(FolderBusy):
            build(snap.path, source=src, html=False, log=_quiet)
    res = build(snap.path, source=src, html=False, log=_quiet)
    assert buildfolder.is_complete(res.out) and not (real_root / ".snap-l.lock").exists()


# --------------------------------------------------------------------------- #
# 7. plausible dates
# --------------------------------------------------------------------------- #


def test_a_snapshot_is_dated_by_its_fetch_not_by_a_records_date(tmp_path):
    from analysis.publication import overview
    from analysis.sources.importer import import_records

    src = tmp_path / "src"
    src.mkdir()
    recs = [
        {"_id": str(i), "id": f"o/m{i}", "modelId": f"o/m{i}", "tags": [], "createdAt": f"2024-05-{d}T10:00:00.000Z"}
        for i, d in enumerate(("01", "15", "30"))
    ]
    recs.append({"_id": "9", "id": "o/odd", "modelId": "o/odd", "tags": [], "createdAt": "2026-11-30T10:00:00.000Z"})
    listing = src / "models.jsonl"
    listing.write_text("".join(json.dumps(r) + "\n" for r in recs))
    fetched = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC).timestamp()
    os.utime(listing, (fetched, fetched))
    lines: list[str] = []
    snap = import_records([src], tmp_path / "imp", progress=False, summary=lines.append)
    assert snap.date == "2024-06-01"  # not 2026-11-30, the one absurd record
    assert "modification time of the listing files" in snap.manifest["source"]["parameters"]["snapshot_date_basis"]
    assert "WARNING: records dated after the snapshot date 2024-06-01" in "\n".join(lines)
    dq = overview.data_quality(snap).set_index("table")
    assert dq.loc["models", "created after the snapshot"] == 1
    assert (
        "1 creation dates are after the snapshot date 2024-06-01" in dq.loc["models", "what it means for the findings"]
    )
    none = dq.loc["datasets", "created after the snapshot"]  # no datasets listing: not known, or none
    assert pd.isna(none) or none == 0
    # an explicit date wins
    given = import_records([src], tmp_path / "imp2", progress=False, snapshot_date="2024-05-31")
    assert given.date == "2024-05-31" and given.manifest["source"]["parameters"]["snapshot_date_basis"] == "given"


def test_a_paper_date_after_the_snapshot_is_refused_before_any_notebook_runs(tmp_path, build_root):
    snap = hand_snapshot(tmp_path / "snap-p", models=20, date="2024-07-11")
    with pytest.raises(BuildError) as exc:
        build(snap.path, ["paper_date=2999-01-01"], log=_quiet)
    msg = str(exc.value)
    assert "\n" not in msg
    assert "parameter 'paper_date': '2999-01-01' is after the snapshot's date 2024-07-11" in msg
    assert not (build_root / "snap-p").exists() and not buildfolder.staging_dir(build_root / "snap-p").exists()
    for ok in ("2024-07-11", "2023-10-31"):
        res = build(snap.path, [f"paper_date={ok}"], log=_quiet, dry_run=True)
        assert res.parameters["index"]["paper_date"] == ok
    res = subprocess.run(
        [sys.executable, "-m", "analysis", "build", str(snap.path), "-p", "paper_date=2999-01-01"],
        capture_output=True,
        text=True,
        env={**os.environ, "HFHUB_BUILD_DIR": str(build_root)},
    )
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and "after the snapshot's date" in res.stderr
