"""Owner kind (organisation or individual user) of model owners, never guessed.

Precedence, per owner (first that applies):

1. ``recorded``: the kind the collector recorded in the snapshot's ``owners``
   table (one Hub request per owner, live snapshots only);
2. ``mapping``: the reviewable mapping file ``analysis/resources/owner_kinds.yml``
   (a short, documented list of well-known organisations, each with a reason);
3. ``unclassified``: neither says; the owner is shown as unclassified.

Kinds are the Hub's own two values, ``organization`` and ``user``; anything
else is ``unclassified``. Models with a legacy id (no ``/``) have no owner: they
are grouped under :data:`NO_OWNER` and are unclassified.

The mapping file also gives each owner it lists a *category*, who is behind the account
(:data:`CATEGORIES`: a company, an academic institution or group, a non-profit, a community
project or an individual; ``unclassified`` for an owner reviewed but not publicly known), and
the *source* of that fact. Only the mapping file gives categories; elsewhere the category is
``unclassified``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import yaml

from analysis import paths

KINDS = ("organization", "user")
UNCLASSIFIED = "unclassified"
#: Who is behind an owner account (the mapping file's ``category``).
CATEGORIES = ("company", "academic", "non-profit", "community", "individual", UNCLASSIFIED)
#: Routes, in order of precedence.
ROUTES = ("recorded", "mapping", "unclassified")
ROUTE_LABELS = {
    "recorded": "recorded by the collector (Hub API)",
    "mapping": "mapping file (owner_kinds.yml)",
    "unclassified": "unclassified (not guessed)",
}
#: Display name of the owner of legacy model ids such as ``gpt2``.
NO_OWNER = "(no owner: legacy id)"
MAPPING_FILE = paths.resource("owner_kinds.yml")


class OwnerMappingError(ValueError):
    """The mapping file is malformed."""


def load_mapping(path: str | Path | None = None) -> pd.DataFrame:
    """The mapping file as a DataFrame ``owner, kind, category, reason, source`` (validated: every
    entry has all five; ``kind`` is one of :data:`KINDS` or ``unclassified``, ``category`` one of
    :data:`CATEGORIES`)."""
    path = Path(path) if path else MAPPING_FILE
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise OwnerMappingError(f"{path}: not valid YAML ({exc})") from None
    entries = doc.get("owners") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise OwnerMappingError(f"{path}: expected a top-level 'owners:' list")
    rows = []
    seen: set[str] = set()
    for i, e in enumerate(entries, 1):
        if not isinstance(e, dict) or not all(
            isinstance(e.get(k), str) and e.get(k).strip() for k in ("owner", "kind", "reason")
        ):
            raise OwnerMappingError(f"{path}: entry {i} needs non-empty 'owner', 'kind' and 'reason'")
        if e["kind"] not in (*KINDS, UNCLASSIFIED):
            raise OwnerMappingError(
                f"{path}: entry {i} ({e['owner']}) has kind {e['kind']!r}, expected one of "
                f"{', '.join((*KINDS, UNCLASSIFIED))}"
            )
        if e.get("category") not in CATEGORIES:
            raise OwnerMappingError(
                f"{path}: entry {i} ({e['owner']}) has category {e.get('category')!r}, expected one of "
                f"{', '.join(CATEGORIES)}"
            )
        if not (isinstance(e.get("source"), str) and e["source"].strip()):
            raise OwnerMappingError(f"{path}: entry {i} ({e['owner']}) needs a non-empty 'source'")
        if e["owner"] in seen:
            raise OwnerMappingError(f"{path}: owner {e['owner']!r} listed twice")
        seen.add(e["owner"])
        rows.append(
            {
                "owner": e["owner"],
                "kind": e["kind"],
                "category": e["category"],
                "reason": e["reason"].strip(),
                "source": e["source"].strip(),
            }
        )
    return pd.DataFrame(rows, columns=["owner", "kind", "category", "reason", "source"])


def classify_owners(
    owners: Iterable[str | None], recorded: pd.DataFrame | None = None, mapping: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Kind and route of each owner given (order kept, duplicates dropped).

    ``recorded``: the snapshot's ``owners`` table (``owner``, ``kind``);
    ``mapping``: :func:`load_mapping` output (defaults to the repository's file).
    Returns ``owner, kind, route, reason, category, source`` (category and source from the
    mapping file, where it lists the owner).
    """
    mapping = load_mapping() if mapping is None else mapping
    rec = {}
    if recorded is not None and len(recorded):
        r = recorded.dropna(subset=["owner", "kind"])
        r = r[r["kind"].isin(KINDS)]
        rec = dict(zip(r["owner"].astype(str), r["kind"].astype(str)))
    mapped = {o: (k, r) for o, k, r in zip(mapping["owner"], mapping["kind"], mapping["reason"]) if k in KINDS}
    cats = (
        dict(zip(mapping["owner"], zip(mapping["category"], mapping["source"], mapping["reason"])))
        if "category" in mapping
        else {}
    )
    rows = []
    seen: set = set()
    for o in owners:
        key = NO_OWNER if pd.isna(o) else str(o)  # None, NaN and pd.NA: a legacy id without owner
        if key in seen:
            continue
        seen.add(key)
        category, source, reviewed = cats.get(key, (UNCLASSIFIED, "", ""))
        if key in rec:
            row = (key, rec[key], "recorded", "recorded in the snapshot's owners table")
        elif key in mapped:
            kind, reason = mapped[key]
            row = (key, kind, "mapping", reason)
        else:
            row = (key, UNCLASSIFIED, "unclassified", reviewed)
        rows.append((*row, category, source))
    return pd.DataFrame(rows, columns=["owner", "kind", "route", "reason", "category", "source"])


def classify_snapshot_owners(snap, owners: Iterable[str | None], mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`classify_owners` with the recorded kinds of snapshot ``snap``."""
    owners = list(owners)
    wanted = sorted({str(o) for o in owners if isinstance(o, str)})
    recorded = None
    if snap.rows("owners") and wanted:
        recorded = snap.table("owners", ["owner", "kind"], filters=[("owner", "in", wanted)])
    return classify_owners(owners, recorded, mapping)
