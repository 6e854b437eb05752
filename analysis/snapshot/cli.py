"""``validate`` and ``info`` commands (a :class:`SnapshotError` is the dispatcher's one-line error:
:func:`analysis.cli.run_command`)."""

from __future__ import annotations

import json

from analysis.cli import OneLineParser
from analysis.snapshot import open_snapshot, validate


def main(argv: list[str]) -> int:
    cmd, rest = argv[0], argv[1:]
    parser = OneLineParser(prog=f"python -m analysis {cmd}")
    parser.add_argument("snapshot_dir")
    if cmd == "info":
        parser.add_argument("--json", action="store_true", help="print the manifest as JSON")
    args = parser.parse_args(rest)
    if cmd == "validate":
        manifest = validate(args.snapshot_dir, deep=True)
        total = sum(t["rows"] for t in manifest["tables"].values())
        print(
            f"ok: {manifest['snapshot_id']} is a complete, valid snapshot ({total:,} rows in {len(manifest['tables'])} tables)"
        )
        return 0
    snap = open_snapshot(args.snapshot_dir)
    if args.json:
        print(json.dumps(snap.manifest, indent=2))
    else:
        print(snap.describe())
    return 0
