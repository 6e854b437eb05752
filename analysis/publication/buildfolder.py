"""A build folder that only a complete build replaces, and whose files the build alone removes.

The book of a snapshot is published in ``_build/<snapshot_id>/`` (the *target*). A build never
writes there while it runs:

- :func:`check_target` refuses, before anything is written, a target that is, contains or is
  inside one of the repository's own folders (``book/``, ``analysis/``, ``data/``, ``.git``, ...,
  and the repository itself; only ``_build/`` may hold builds), the book's source folder or the
  snapshot being built: ``HFHUB_BUILD_DIR`` and a snapshot id together can name any folder.
- :func:`check_owned` refuses a non-empty target that does not carry the build's marker
  (:data:`MARKER`), and a target holding a file that no build wrote (a reader's own
  ``tables/my-table.csv``): the build refuses rather than remove or overwrite it, and names it.
- :func:`start_staging` makes the staging folder ``.<snapshot_id>.building`` beside the target,
  marked incomplete; the build writes everything there.
- :func:`publish` marks the staging folder complete, with the list of every file in it, and swaps
  it in for the target in one rename (``renameat2(RENAME_EXCHANGE)``; two renames where the file
  system has no exchange, recovered by :func:`recover` if interrupted between them). The replaced
  build is then removed file by file, only the files its own marker lists: a file that appeared
  in it meanwhile stays, with the folder, and is reported.

So the target is always the last complete build, or absent: an interrupted or failed build leaves
only its staging folder (kept for debugging, marked incomplete; the next build of the snapshot
replaces it). :func:`is_complete` is what ``python -m analysis editions`` asks of a build folder.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

from analysis import paths

#: The build's own marker file at the top of a build folder.
MARKER = ".hfhub-build.json"
#: Who writes the marker (a marker of another tool is no marker).
TOOL = "analysis.publication.build"
#: Top-level folders of the repository that may hold builds.
BUILD_FOLDERS = ("_build",)


class FolderRefused(Exception):
    """The build folder cannot be used; the message (one line) is for the user."""


def staging_dir(target: Path) -> Path:
    """Where a build of ``target`` writes while it runs (beside it, on the same file system)."""
    return target.parent / f".{target.name}.building"


def previous_dir(target: Path) -> Path:
    """Where the replaced build waits for its removal when the file system cannot exchange folders."""
    return target.parent / f".{target.name}.previous"


def _real(p: str | os.PathLike) -> Path:
    return Path(os.path.realpath(p))


def _related(a: Path, b: Path) -> str | None:
    """How ``a`` relates to ``b`` (both real paths): 'is', 'is inside', 'contains' or None."""
    if a == b:
        return "is"
    if b in a.parents:
        return "is inside"
    if a in b.parents:
        return "contains"
    return None


def protected_folders(source: Path | None = None, snapshot: Path | None = None) -> list[Path]:
    """The folders no build folder may be, contain or be inside (real paths)."""
    root = _real(paths.ROOT)
    out = [root] + [_real(e) for e in sorted(root.iterdir()) if e.name not in BUILD_FOLDERS and e.is_dir()]
    for extra in (source, source / "book" if source else None, snapshot):
        if extra is not None:
            out.append(_real(extra))
    return out


def check_target(target: Path, source: Path | None = None, snapshot: Path | None = None) -> None:
    """Refuse a target that is, contains or is inside a folder of the repository (other than
    ``_build/``), the book's ``source`` or the ``snapshot``: :class:`FolderRefused`."""
    real = _real(target)
    root = _real(paths.ROOT)
    for folder in protected_folders(source, snapshot):
        how = _related(real, folder)
        if folder == root and how == "is inside":
            continue  # inside the repository but in none of its folders (_build/<id>, say)
        if how:
            what = (
                "the snapshot being built"
                if snapshot is not None and folder == _real(snapshot)
                else "the repository"
                if folder == root
                else f"the repository's folder {folder.name}/"
                if folder.parent == root
                else "the book's sources"
            )
            raise FolderRefused(
                f"build folder {target} {how} {what} ({folder}); a build never writes there: "
                "set HFHUB_BUILD_DIR to a folder of builds (default: _build/ of the project)"
            )
    if os.path.islink(target):
        raise FolderRefused(f"build folder {target} is a symbolic link; set HFHUB_BUILD_DIR to the real folder")


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The build's marker of ``folder`` (None: none, or not the build's)."""
    try:
        doc = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("tool") != TOOL:
        return None
    return doc


def is_complete(folder: Path) -> bool:
    """Whether ``folder`` is a complete build (its marker says so)."""
    m = read_marker(Path(folder))
    return bool(m and m.get("complete") is True and isinstance(m.get("files"), list))


def files_in(folder: Path) -> list[str]:
    """Every file (and symbolic link) under ``folder``, relative, '/'-separated, without the marker;
    links are never followed."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder)
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in filenames + links:
            out.append((rel / name).as_posix())
    return sorted(f for f in out if f != MARKER)


def _foreign(folder: Path, marker: dict[str, Any] | None) -> list[str]:
    listed = set(marker.get("files") or []) if marker else set()
    return [f for f in files_in(folder) if f not in listed]


def _listing(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_owned(target: Path) -> dict[str, Any] | None:
    """The target's marker (None: the target is absent or empty); :class:`FolderRefused` if the
    target is not empty and not a build's, or holds a file its build did not write."""
    if not os.path.lexists(target):
        return None
    if not target.is_dir():
        raise FolderRefused(f"build folder {target} exists and is not a folder; move it away, then rerun")
    if not any(target.iterdir()):
        return None
    marker = read_marker(target)
    if marker is None:
        raise FolderRefused(
            f"build folder {target} is not empty and was not made by a build (it has no {MARKER}); a build "
            "replaces only its own folder: move it away (or set HFHUB_BUILD_DIR elsewhere), then rerun"
        )
    foreign = _foreign(target, marker)
    if foreign:
        raise FolderRefused(
            f"build folder {target} holds {len(foreign)} file(s) that no build wrote ({_listing(foreign)}); "
            "a build never removes or overwrites a file it did not write: move them out of the build folder, "
            "then rerun"
        )
    return marker


def _write_marker(folder: Path, doc: dict[str, Any]) -> None:
    tmp = folder / f"{MARKER}.tmp"
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def start_staging(target: Path, snapshot_id: str, carry: bool) -> Path:
    """A fresh staging folder for a build of ``target``, marked incomplete; with ``carry``, a copy of
    the target's files (a build of some notebooks keeps the other pages). A leftover staging
    folder of an interrupted or failed build is removed first (only a marked one, or an empty one)."""
    staging = staging_dir(target)
    if os.path.lexists(staging):
        if staging.is_symlink() or not staging.is_dir():
            raise FolderRefused(f"{staging} exists and is not a build's staging folder; move it away, then rerun")
        marker = read_marker(staging)
        if marker is not None and isinstance(marker.get("files"), list):
            left = remove_own(staging)  # a complete build that was replaced but not yet removed
            if left:
                raise FolderRefused(
                    f"{staging} holds {len(left)} file(s) that no build wrote ({_listing(left)}); "
                    "move them away, then rerun"
                )
        elif marker is not None:
            shutil.rmtree(staging)  # the build's own, incomplete
        elif any(staging.iterdir()):
            raise FolderRefused(f"{staging} exists and was not made by a build (no {MARKER}); move it away, then rerun")
        if staging.exists():
            staging.rmdir()
    staging.mkdir(parents=True)
    _write_marker(staging, {"tool": TOOL, "snapshot_id": snapshot_id, "complete": False, "started": _now()})
    if carry and target.is_dir():
        shutil.copytree(
            target,
            staging,
            symlinks=True,
            dirs_exist_ok=True,
            ignore=lambda d, names: [MARKER] if Path(d) == target else [],
        )
    return staging


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux's ``renameat2`` with ``RENAME_EXCHANGE``); False where
    the system or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def remove_own(folder: Path) -> list[str]:
    """Remove the files of a build folder that its marker lists (and then the empty folders, and the
    marker); returns what was left (files no build wrote: the folder then stays)."""
    marker = read_marker(folder)
    listed = set(marker.get("files") or []) if marker else set()
    for dirpath, dirnames, filenames in os.walk(folder, topdown=False):
        rel = Path(dirpath).relative_to(folder)
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            if (rel / name).as_posix() in listed:
                os.unlink(os.path.join(dirpath, name))
        if dirpath != str(folder):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass  # not empty: holds a file no build wrote
    left = files_in(folder)
    if not left:
        (folder / MARKER).unlink(missing_ok=True)
        try:
            folder.rmdir()
        except OSError:
            pass
    return left


def publish(staging: Path, target: Path, snapshot_id: str, extra: dict[str, Any] | None = None) -> list[str]:
    """Mark ``staging`` complete (with the list of its files) and put it in place of ``target``; the
    replaced build is removed (its listed files only). Returns files left behind in the replaced
    build (files no build wrote that appeared during the build; their folder is kept)."""
    doc = {"tool": TOOL, "snapshot_id": snapshot_id, "complete": True, "finished": _now()}
    doc |= extra or {}
    doc["files"] = files_in(staging)
    _write_marker(staging, doc)
    if not os.path.lexists(target):
        os.rename(staging, target)
        return []
    check_owned(target)  # nothing of a reader's appeared in the published build meanwhile
    if _exchange(staging, target):
        old = staging
    else:
        old = previous_dir(target)
        os.rename(target, old)
        os.rename(staging, target)
    left = remove_own(old)
    return [f"{old}/{f}" for f in left]


def recover(target: Path) -> None:
    """Finish a swap that was interrupted between its two renames (file systems without exchange):
    the replaced build goes back in place if the target is missing, else it is removed."""
    old = previous_dir(target)
    if not old.is_dir() or read_marker(old) is None:
        return
    if not os.path.lexists(target):
        os.rename(old, target)
    else:
        remove_own(old)
