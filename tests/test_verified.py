"""A snapshot that the running build has verified is not checksummed again by each notebook."""

from __future__ import annotations

import os
import stat

import pytest
from book_fixtures import hand_snapshot

from analysis.snapshot import SnapshotError, open_snapshot
from analysis.snapshot.store import VERIFIED_ENV, verified_token


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
    monkeypatch.setenv(VERIFIED_ENV, token)
    open_snapshot(snap.path)  # verified by the build: the checksums are not computed again
    with pytest.raises(SnapshotError):
        open_snapshot(snap.path, deep=True)  # a deep check still reads everything
    other = hand_snapshot(tmp_path / "b", models=12)
    _flip_a_byte(other.path / "owners.parquet")
    with pytest.raises(SnapshotError):
        open_snapshot(other.path)  # another snapshot is checked as always


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
    """The build names the commit for its notebooks (COMMIT_ENV): a kernel holding a large snapshot
    then never forks itself to run git for each table's provenance."""
    from analysis import paths
    from analysis.publication.build import build
    from analysis.publication.publish import Publisher
    from analysis.snapshot import store

    calls = []
    monkeypatch.setattr(store, "_git_rev_parse", lambda: calls.append(1) or "0123456789abcdef0123")
    monkeypatch.setenv(store.COMMIT_ENV, "fedcba9876543210fedc")
    assert store.git_commit() == "fedcba9876543210fedc" and not calls
    snap = hand_snapshot(tmp_path / "a", models=12)
    pub = Publisher(open_snapshot(snap.path), tmp_path / "out")
    assert pub.version.endswith("+fedcba987654") and not calls
    monkeypatch.setenv(store.COMMIT_ENV, "")  # the build found no git checkout
    assert store.git_commit() is None and not calls
    monkeypatch.delenv(store.COMMIT_ENV)
    assert store.git_commit() == "0123456789abcdef0123" and calls == [1]  # outside a build: git itself
    monkeypatch.setattr(paths, "build_root", lambda: tmp_path / "_build")
    build(snap.path, dry_run=True, log=lambda line: None)
    assert store.COMMIT_ENV not in os.environ and VERIFIED_ENV not in os.environ  # nothing left behind
