"""A snapshot that the running build has verified is not checksummed again by each notebook."""

from __future__ import annotations

import os
import stat

import pytest
from book_fixtures import hand_snapshot

from analysis.snapshot import SnapshotError, open_snapshot
from analysis.snapshot.store import verified_token


def _flip_a_byte(path):
    """Rewrite a table with one value changed: same schema and rows, other bytes (only a checksum sees it)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    t = pq.read_table(path)
    col = t.column("kind")
    changed = pc.if_else(
        pa.array([i == 0 for i in range(len(col))]),
        pa.scalar("organization" if col[0].as_py() == "user" else "user"),
        col,
    )
    pq.write_table(t.set_column(t.schema.get_field_index("kind"), "kind", changed), path)


def test_checksums_skipped_only_for_the_verified_snapshot(tmp_path, monkeypatch):
    snap = hand_snapshot(tmp_path / "a", models=12)
    token = verified_token(snap.path)
    _flip_a_byte(snap.path / "owners.parquet")  # same size, other content: only a checksum sees it
    with pytest.raises(SnapshotError):
        open_snapshot(snap.path)
    open_snapshot(snap.path, verified=token)  # verified by the build: the checksums are not computed again
    with pytest.raises(SnapshotError):
        open_snapshot(snap.path, deep=True, verified=token)  # a deep check still reads everything
    other = hand_snapshot(tmp_path / "b", models=12)
    _flip_a_byte(other.path / "owners.parquet")
    with pytest.raises(SnapshotError):
        open_snapshot(other.path, verified=token)  # another snapshot is checked as always


def test_a_full_validation_is_recorded_and_repeated_only_when_the_snapshot_changes(tmp_path):
    from analysis.snapshot.store import open_validated

    snap = hand_snapshot(tmp_path / "a", models=12)
    record = tmp_path / "build" / "validated.json"
    assert open_validated(snap.path, record)[1] is True  # first time: in full, then recorded
    assert record.is_file() and "validated_at" in record.read_text()
    assert open_validated(snap.path, record)[1] is False  # unchanged: not again
    _flip_a_byte(snap.path / "owners.parquet")  # a new modification time (and content)
    with pytest.raises(SnapshotError):
        open_validated(snap.path, record)  # validated in full again, and refused
    # a record of another snapshot's state counts for nothing
    other = hand_snapshot(tmp_path / "b", models=12)
    assert open_validated(other.path, record)[1] is True


def test_a_build_says_whether_it_validated_in_full(tmp_path, monkeypatch):
    from analysis import paths
    from analysis.publication.build import build

    monkeypatch.setattr(paths, "build_root", lambda: tmp_path / "_build")
    snap = hand_snapshot(tmp_path / "a", models=12)
    for expected in ("validated in full", "unchanged since its full validation"):
        lines: list[str] = []
        build(snap.path, dry_run=True, log=lines.append)
        assert any(expected in line for line in lines), lines


def test_the_commit_is_asked_of_git_once_per_build_not_by_every_table(tmp_path, monkeypatch):
    """The build asks git for the commit once and gives it to its notebooks (their ``code_commit``
    parameter): a kernel holding a large snapshot then never forks itself to run git for each
    table's provenance. Nothing passes through the environment."""
    from analysis import paths
    from analysis.publication.build import build
    from analysis.publication.context import open_part
    from analysis.snapshot import store

    snap = hand_snapshot(tmp_path / "a", models=12)
    calls = []
    monkeypatch.setattr(store, "_git_rev_parse", lambda: calls.append(1) or "0123456789abcdef0123")
    given = {"snapshot_dir": str(snap.path), "output_dir": str(tmp_path / "out"), "page": "part9"}
    pub = open_part("part9", {**given, "code_commit": "fedcba9876543210fedc"}).pub
    assert pub.version.endswith("+fedcba987654") and pub.url("tab-x") == "part9.html#tab-x" and not calls
    pub = open_part("part9", {**given, "code_commit": ""}).pub  # the build found no git checkout
    assert pub.commit is None and "+" not in pub.version and not calls
    pub = open_part("part9", given).pub  # outside a build: git itself, once
    assert pub.version.endswith("+0123456789ab") and pub.version.endswith("+0123456789ab") and calls == [1]
    environ = dict(os.environ)
    monkeypatch.setattr(paths, "build_root", lambda: tmp_path / "_build")
    build(snap.path, dry_run=True, log=lambda line: None)
    assert dict(os.environ) == environ  # nothing set or left behind
